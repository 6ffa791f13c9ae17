"""Logging set-up that keeps secrets and strangers' data out of the logs.

The Bot API puts the bot token in every URL (``https://api.telegram.org/bot<token>/getMe``), and
httpx logs each request URL at INFO; python-telegram-bot logs its base URL at DEBUG and whole
updates (texts, names) at DEBUG. A leaked token lets anyone impersonate the bot, and the bridge
promises that nothing of unauthorised users reaches the logs. So: httpx is held at WARNING, the
``telegram`` loggers never go below INFO, and a filter on every root handler masks the token in
whatever gets through anyway (messages, arguments, tracebacks).
"""

from __future__ import annotations

import logging
import sys

MASK = "<bot-token>"


class TokenMaskingFilter(logging.Filter):
    """Replace every occurrence of the secrets in a record with a mask.

    The record is rendered once (``getMessage``) and stored pre-formatted, so that a secret hidden
    in ``args`` or in a traceback is masked too, whichever formatter prints it later.
    """

    def __init__(self, *secrets: str | None) -> None:
        super().__init__()
        # Longest first, so that a secret containing another is masked whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        record.msg = self.mask(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


def install_token_filter(
    *secrets: str | None, logger: logging.Logger | None = None
) -> TokenMaskingFilter:
    """Attach a masking filter to every handler of ``logger`` (default: the root logger).

    Handler filters see records from all loggers that propagate to the root, unlike logger
    filters, which only see records logged on that very logger.
    """
    target = logger or logging.getLogger()
    masking = TokenMaskingFilter(*secrets)
    for handler in target.handlers:
        handler.addFilter(masking)
    return masking


def restrict_library_logging() -> None:
    """Keep library loggers above the levels at which they print tokens or user data."""
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # python-telegram-bot logs complete updates (texts, names) at DEBUG.
    logging.getLogger("telegram").setLevel(max(logging.getLogger().level, logging.INFO))


def configure_logging(level: str, *secrets: str | None) -> None:
    """Set up process-wide logging for ``python -m bot``."""
    logging.basicConfig(
        stream=sys.stderr,
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    restrict_library_logging()
    install_token_filter(*secrets)
