"""Deployment settings, read from the environment only.

Secrets (the bot token, the webhook secret) must never sit in files that end up in git, and the
same image has to run in polling mode on a laptop and in webhook mode behind a proxy; environment
variables give both. Everything is parsed and validated once at start-up so that a typo fails
loudly before the bot goes online, instead of on the first message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

TELEGRAM_API_ROOT = "https://api.telegram.org"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
DEFAULT_STAFF_DB = "var/staff.db"

# Telegram accepts 1-256 characters of A-Z, a-z, 0-9, "_" and "-" as a webhook secret token.
_N = TypeVar("_N", int, float)

_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable to fix."""


@dataclass(frozen=True)
class Settings:
    """Everything the bridge needs to know about its deployment.

    ``repr`` hides the token and the webhook secret so that a settings object can be logged or
    shown in a traceback without leaking them.
    """

    token: str = field(repr=False)
    base_url: str = TELEGRAM_API_ROOT
    mode: str = "polling"
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    rasa_url: str = DEFAULT_RASA_URL
    rasa_timeout: float = 15.0
    admin_ids: frozenset[int] = frozenset()
    staff_db: Path = Path(DEFAULT_STAFF_DB)
    invite_ttl_hours: float = 168.0
    max_rate: float = 30.0
    log_level: str = "INFO"

    @property
    def api_url(self) -> str:
        """Bot API method prefix; python-telegram-bot appends the token to it."""
        return f"{self.base_url}/bot"

    @property
    def file_url(self) -> str:
        """Bot API file prefix; python-telegram-bot appends the token to it."""
        return f"{self.base_url}/file/bot"

    @property
    def webhook_path(self) -> str:
        """Path the local webhook server listens on, taken from the public webhook URL.

        The reverse proxy in front of the bot forwards the public URL unchanged, so using the same
        path on both sides avoids a second setting that could drift.
        """
        if not self.webhook_url:
            return ""
        return urlsplit(self.webhook_url).path.lstrip("/")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``environ`` (default: ``os.environ``), raising SettingsError."""
        env = os.environ if environ is None else environ

        def get(name: str, default: str = "") -> str:
            return env.get(name, default).strip()

        token = get("TELEGRAM_BOT_TOKEN")
        if not token:
            raise SettingsError("TELEGRAM_BOT_TOKEN is required (get one from @BotFather)")

        mode = get("TELEGRAM_MODE", "polling").lower()
        if mode not in ("polling", "webhook"):
            raise SettingsError("TELEGRAM_MODE must be 'polling' or 'webhook'")

        webhook_url = get("TELEGRAM_WEBHOOK_URL") or None
        webhook_secret = get("TELEGRAM_WEBHOOK_SECRET") or None
        if mode == "webhook":
            if not webhook_url or not webhook_url.startswith(("https://", "http://")):
                raise SettingsError(
                    "TELEGRAM_WEBHOOK_URL (https://...) is required in webhook mode"
                )
            # Without the secret anyone who guesses the URL could inject updates as any user,
            # which would bypass the staff allow-list; so it is not optional.
            if not webhook_secret:
                raise SettingsError("TELEGRAM_WEBHOOK_SECRET is required in webhook mode")
        if webhook_secret is not None and not _SECRET_RE.match(webhook_secret):
            raise SettingsError(
                "TELEGRAM_WEBHOOK_SECRET may only contain A-Z, a-z, 0-9, _ and - (1-256 chars)"
            )

        return cls(
            token=token,
            base_url=_base_url(get("TELEGRAM_BASE_URL") or TELEGRAM_API_ROOT),
            mode=mode,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            webhook_listen=get("TELEGRAM_WEBHOOK_LISTEN") or "127.0.0.1",
            webhook_port=_number(env, "TELEGRAM_WEBHOOK_PORT", 8443, int, minimum=1),
            rasa_url=(get("RASA_URL") or DEFAULT_RASA_URL).rstrip("/"),
            rasa_timeout=_number(env, "RASA_TIMEOUT", 15.0, float, minimum=0.1),
            admin_ids=_admin_ids(get("TELEGRAM_ADMIN_IDS")),
            staff_db=Path(get("STAFF_DB") or DEFAULT_STAFF_DB),
            invite_ttl_hours=_number(env, "TELEGRAM_INVITE_TTL_HOURS", 168.0, float, minimum=0.01),
            max_rate=_number(env, "TELEGRAM_MAX_RATE", 30.0, float, minimum=0.0),
            log_level=_log_level(get("LOG_LEVEL") or "INFO"),
        )


def _base_url(value: str) -> str:
    """Accept the server root with or without a trailing ``/bot`` (both appear in guides)."""
    value = value.rstrip("/")
    if value.endswith("/bot"):
        value = value[: -len("/bot")]
    if not value.startswith(("https://", "http://")):
        raise SettingsError("TELEGRAM_BASE_URL must start with http:// or https://")
    return value


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise SettingsError("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return level


def _admin_ids(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            raise SettingsError(
                "TELEGRAM_ADMIN_IDS must be comma-separated numeric Telegram user ids"
            ) from None
    return frozenset(ids)


def _number(
    env: Mapping[str, str], name: str, default: _N, kind: Callable[[str], _N], *, minimum: _N
) -> _N:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}")
    return value
