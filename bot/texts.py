"""The bridge's own fixed texts (bot/texts.yml) and the choice of language for them.

Coaching replies come from Rasa already translated; only the few sentences the bridge says by
itself (refusals, "the coach is unavailable", command menus) live here. Keeping them in YAML means
translators edit one file and never touch Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "ru", "ro", "et", "ar")
FALLBACK_LANGUAGE = "en"
DEFAULT_TEXTS_PATH = Path(__file__).with_name("texts.yml")


class TextsError(ValueError):
    """texts.yml is malformed; raised at start-up rather than in the middle of a chat."""


def normalise_language(code: str | None) -> str | None:
    """Map a Telegram ``language_code`` (IETF tag such as ``ru`` or ``pt-br``) to a supported one.

    Returns None when the primary subtag is not one the coach speaks.
    """
    if not code:
        return None
    primary = code.replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in SUPPORTED_LANGUAGES else None


def pick_language(preferred: str | None, telegram_code: str | None) -> str:
    """The language for the bridge's own texts: the user's /language choice, then Telegram's."""
    return normalise_language(preferred) or normalise_language(telegram_code) or FALLBACK_LANGUAGE


class Texts:
    """Read-only access to texts.yml, with English as the fallback for missing translations."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._languages: dict[str, str] = _string_map(data.get("languages"), "languages")
        self._commands = _sections(data.get("commands"), "commands")
        self._admin_commands = _sections(data.get("admin_commands"), "admin_commands")
        self._messages = _sections(data.get("messages"), "messages")
        missing = [lang for lang in SUPPORTED_LANGUAGES if lang not in self._languages]
        if missing:
            raise TextsError(f"texts.yml: languages is missing {', '.join(missing)}")

    @classmethod
    def load(cls, path: Path = DEFAULT_TEXTS_PATH) -> Texts:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        if not isinstance(data, Mapping):
            raise TextsError(f"{path} must contain a mapping")
        return cls(data)

    def get(self, key: str, language: str, **values: object) -> str:
        """The message ``key`` in ``language`` (else English), with {placeholders} filled in.

        The result is plain text; the renderer escapes it for HTML, like any other text.
        """
        try:
            entry = self._messages[key]
        except KeyError:
            raise KeyError(f"texts.yml has no message {key!r}") from None
        template = entry.get(language) or entry[FALLBACK_LANGUAGE]
        return template.format(**values) if values else template

    def language_name(self, language: str) -> str:
        """A language's name written in that language, for the /language buttons."""
        return self._languages[language]

    def command_descriptions(self, language: str, *, admin: bool = False) -> list[tuple[str, str]]:
        """(command, description) pairs in menu order, for setMyCommands."""
        sections = [self._commands, self._admin_commands] if admin else [self._commands]
        return [
            (command, entry.get(language) or entry[FALLBACK_LANGUAGE])
            for section in sections
            for command, entry in section.items()
        ]

    def missing_translations(self) -> list[str]:
        """``section.key.lang`` for every supported language without a text (for tests/CI)."""
        missing: list[str] = []
        for name, section in (
            ("commands", self._commands),
            ("admin_commands", self._admin_commands),
            ("messages", self._messages),
        ):
            for key, entry in section.items():
                missing.extend(
                    f"{name}.{key}.{lang}" for lang in SUPPORTED_LANGUAGES if not entry.get(lang)
                )
        return missing


def _string_map(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise TextsError(f"texts.yml: {where} must map language codes to strings")
    return dict(value)


def _sections(value: object, where: str) -> dict[str, dict[str, str]]:
    if not isinstance(value, Mapping):
        raise TextsError(f"texts.yml: {where} must be a mapping")
    result = {}
    for key, entry in value.items():
        texts = _string_map(entry, f"{where}.{key}")
        if FALLBACK_LANGUAGE not in texts:
            raise TextsError(f"texts.yml: {where}.{key} has no English ({FALLBACK_LANGUAGE}) text")
        result[str(key)] = texts
    return result
