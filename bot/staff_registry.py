"""Who may talk to the coach: a persistent allow-list, one-time invites and refusal memory.

The coach is an internal tool, and a Telegram bot is reachable by anyone who finds its name, so
the allow-list is checked before anything else happens. It lives in SQLite (one file, no server,
survives restarts). Invite codes are stored only as SHA-256 hashes, so a copied database cannot be
used to let someone in. Refusals are remembered per user so a stranger gets one polite answer,
not one per message.

Queries are tiny and run on the event loop thread; the allow-list itself is cached in memory
because it is read for every update, while writes (admin commands) are rare. One bridge process
owns the file (Telegram delivers each update to one consumer only), so the cache cannot go stale.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS staff (
    user_id   INTEGER PRIMARY KEY,
    added_by  INTEGER,
    added_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS invites (
    code_sha256 TEXT PRIMARY KEY,
    created_by  INTEGER,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_by     INTEGER,
    used_at     INTEGER
);
CREATE TABLE IF NOT EXISTS refused (
    user_id    INTEGER PRIMARY KEY,
    refused_at INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class StaffMember:
    user_id: int
    added_by: int | None
    added_at: int  # Unix seconds


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


class StaffRegistry:
    """Allow-list of Telegram user ids; admins from the environment are always allowed."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        admin_ids: Iterable[int] = (),
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = connection
        self._admins = frozenset(admin_ids)
        self._clock = clock
        self._db.executescript(_SCHEMA)
        self._staff = {row[0] for row in self._db.execute("SELECT user_id FROM staff")}

    @classmethod
    def open(
        cls, path: Path | str, admin_ids: Iterable[int] = (), **kwargs: Callable[[], float]
    ) -> StaffRegistry:
        """Open (creating if needed) the database at ``path``; ``:memory:`` works for tests."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(str(path), timeout=10)
        connection.execute("PRAGMA journal_mode=WAL")
        return cls(connection, admin_ids, **kwargs)

    def close(self) -> None:
        self._db.close()

    def _now(self) -> int:
        return int(self._clock())

    # --- checks -------------------------------------------------------------------------------

    def is_admin(self, user_id: int) -> bool:
        return user_id in self._admins

    def is_allowed(self, user_id: int) -> bool:
        return user_id in self._admins or user_id in self._staff

    @property
    def admin_ids(self) -> frozenset[int]:
        return self._admins

    # --- allow-list ---------------------------------------------------------------------------

    def allow(self, user_id: int, added_by: int | None = None) -> bool:
        """Add ``user_id``; False if they were already on the list."""
        with self._db:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO staff (user_id, added_by, added_at) VALUES (?, ?, ?)",
                (user_id, added_by, self._now()),
            )
            # A former stranger who is now staff should get a refusal again if later removed.
            self._db.execute("DELETE FROM refused WHERE user_id = ?", (user_id,))
        self._staff.add(user_id)
        return cursor.rowcount == 1

    def remove(self, user_id: int) -> bool:
        """Take ``user_id`` off the list; False if they were not on it."""
        with self._db:
            cursor = self._db.execute("DELETE FROM staff WHERE user_id = ?", (user_id,))
            # Let them get one polite notice on their next message instead of silence.
            self._db.execute("DELETE FROM refused WHERE user_id = ?", (user_id,))
        self._staff.discard(user_id)
        return cursor.rowcount == 1

    def members(self) -> list[StaffMember]:
        rows = self._db.execute(
            "SELECT user_id, added_by, added_at FROM staff ORDER BY added_at, user_id"
        )
        return [StaffMember(*row) for row in rows]

    # --- invites ------------------------------------------------------------------------------

    def create_invite(self, created_by: int | None, ttl_seconds: float) -> str:
        """A fresh one-time code, usable as a t.me deep-link ``start`` parameter.

        token_urlsafe only uses A-Z, a-z, 0-9, "_" and "-", which is what Telegram allows in a
        deep link; 16 bytes of randomness cannot be guessed.
        """
        code = secrets.token_urlsafe(16)
        now = self._now()
        with self._db:
            self._db.execute(
                "INSERT INTO invites (code_sha256, created_by, created_at, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (_hash(code), created_by, now, now + int(ttl_seconds)),
            )
        return code

    def redeem(self, code: str, user_id: int) -> bool:
        """Use ``code`` for ``user_id``; True if it was valid, unused and unexpired."""
        with self._db:
            cursor = self._db.execute(
                "UPDATE invites SET used_by = ?, used_at = ?"
                " WHERE code_sha256 = ? AND used_by IS NULL AND expires_at > ?",
                (user_id, self._now(), _hash(code), self._now()),
            )
            if cursor.rowcount != 1:
                return False
            inviter = self._db.execute(
                "SELECT created_by FROM invites WHERE code_sha256 = ?", (_hash(code),)
            ).fetchone()[0]
            self._db.execute(
                "INSERT OR IGNORE INTO staff (user_id, added_by, added_at) VALUES (?, ?, ?)",
                (user_id, inviter, self._now()),
            )
            self._db.execute("DELETE FROM refused WHERE user_id = ?", (user_id,))
        self._staff.add(user_id)
        return True

    # --- strangers ----------------------------------------------------------------------------

    def first_refusal(self, user_id: int) -> bool:
        """Record that ``user_id`` was refused; True only the first time (send the notice then).

        Only the numeric id is stored: nothing else about strangers is kept.
        """
        with self._db:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO refused (user_id, refused_at) VALUES (?, ?)",
                (user_id, self._now()),
            )
        return cursor.rowcount == 1
