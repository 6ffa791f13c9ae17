"""Each user's chosen language (/language), kept across restarts.

Telegram's ``language_code`` is only the language of the user's app, which is often English even
for people who would rather be coached in Russian or Estonian. Once someone picks a language, the
bridge sends that choice to Rasa as ``metadata.language`` and uses it for its own texts, so a
/reset (which clears Rasa's slots) or a restart does not silently switch languages back.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS user_language (
    user_id    INTEGER PRIMARY KEY,
    language   TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
"""


class LanguagePreferences:
    """user id -> language code, cached in memory and written through to SQLite."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self._db.executescript(_SCHEMA)
        self._cache = dict(self._db.execute("SELECT user_id, language FROM user_language"))

    @classmethod
    def open(cls, path: Path | str) -> LanguagePreferences:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(str(path), timeout=10)
        return cls(connection)

    def close(self) -> None:
        self._db.close()

    def get(self, user_id: int) -> str | None:
        return self._cache.get(user_id)

    def set(self, user_id: int, language: str) -> None:
        if self._cache.get(user_id) == language:
            return
        with self._db:
            self._db.execute(
                "INSERT INTO user_language (user_id, language, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT(user_id) DO UPDATE SET language = excluded.language,"
                " updated_at = excluded.updated_at",
                (user_id, language, int(time.time())),
            )
        self._cache[user_id] = language
