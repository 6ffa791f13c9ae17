"""``python -m bot``: start the Telegram bridge with settings from the environment."""

from __future__ import annotations

import sys

from bot.log_safety import configure_logging
from bot.settings import Settings, SettingsError
from bot.telegram_bridge import run


def main() -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"bot: configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.token, settings.webhook_secret)
    run(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
