"""Wiring: one python-telegram-bot Application with its handlers, resources and run mode.

``build_application(settings)`` only builds (no network, no files opened), so tests can build an
application against a fake Bot API and drive its life-cycle themselves. Resources that hold
connections or files (the Rasa client, the SQLite registry) are created in post_init and closed in
post_shutdown, which python-telegram-bot calls around the running application.
"""

from __future__ import annotations

import logging
from typing import Any, TypeAlias

from telegram import BotCommand, BotCommandScopeChat, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import admin, handlers, resources
from bot.access import gatekeeper
from bot.ordering import PerUserOrderedProcessor
from bot.rasa_client import RasaClient
from bot.render import PayloadStore
from bot.settings import Settings
from bot.staff_registry import StaffRegistry
from bot.texts import FALLBACK_LANGUAGE, SUPPORTED_LANGUAGES, Texts
from bot.user_prefs import LanguagePreferences

log = logging.getLogger(__name__)

BridgeApplication: TypeAlias = Application[
    ExtBot[int],  # int: AIORateLimiter takes the number of 429 retries per call
    ContextTypes.DEFAULT_TYPE,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    None,
]

# Only what the bridge handles: fewer update types means less data about anyone reaches us.
ALLOWED_UPDATES: list[str] = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]

# Retries after a Telegram 429, each after the retry_after Telegram asked for.
RATE_LIMIT_RETRIES = 3


class _HasText(filters.MessageFilter):
    """Any text, even empty: filters.TEXT skips "" but the coach should answer it too."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        return message.text is not None


HAS_TEXT = _HasText(name="HAS_TEXT")

NOT_TEXT = (
    filters.Sticker.ALL
    | filters.PHOTO
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.Document.ALL
    | filters.LOCATION
    | filters.VENUE
    | filters.CONTACT
    | filters.POLL
    | filters.Dice.ALL
)


def build_application(settings: Settings, texts: Texts | None = None) -> BridgeApplication:
    """The bridge's Application, ready for run_polling/run_webhook (or a test's own loop)."""
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_url)
        .base_file_url(settings.file_url)
        .concurrent_updates(PerUserOrderedProcessor())
        .rate_limiter(
            AIORateLimiter(overall_max_rate=settings.max_rate, max_retries=RATE_LIMIT_RETRIES)
        )
        # 32 connections carry far more than Telegram's ~30 messages/s, and httpcore scans its
        # whole pool on every request, so a bigger pool costs CPU without adding throughput.
        # When all are busy, a reply waits for a free one rather than fail.
        .connection_pool_size(32)
        .pool_timeout(10.0)
        # No scheduled jobs: do not start APScheduler's thread.
        .job_queue(None)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data[resources.SETTINGS] = settings
    application.bot_data[resources.TEXTS] = texts or Texts.load()
    application.bot_data[resources.PAYLOADS] = PayloadStore()
    add_handlers(application)
    return application


def add_handlers(application: BridgeApplication) -> None:
    application.add_handler(TypeHandler(Update, gatekeeper), group=-1)
    application.add_handlers(
        [
            CommandHandler("start", handlers.start),
            CommandHandler(["help", "topics"], handlers.help_topics),
            CommandHandler("language", handlers.language),
            CommandHandler("reset", handlers.reset),
            CommandHandler("invite", admin.invite),
            CommandHandler("allow", admin.allow),
            CommandHandler("remove", admin.remove),
            CommandHandler("staff", admin.staff),
            CallbackQueryHandler(handlers.button),
            MessageHandler(filters.COMMAND, handlers.unknown_command),
            MessageHandler(HAS_TEXT, handlers.text_message),
            MessageHandler(NOT_TEXT, handlers.not_text),
        ]
    )
    application.add_error_handler(on_error)


async def post_init(application: BridgeApplication) -> None:
    """Open the shared resources and publish the command menus."""
    settings = resources.settings(application.bot_data)
    application.bot_data[resources.RASA] = RasaClient(settings.rasa_url, settings.rasa_timeout)
    application.bot_data[resources.STAFF] = StaffRegistry.open(
        settings.staff_db, settings.admin_ids
    )
    application.bot_data[resources.PREFS] = LanguagePreferences.open(settings.staff_db)
    await publish_commands(application)
    log.info(
        "ServiceCoach bridge ready as @%s (%s mode, Rasa at %s, %d admin(s))",
        application.bot.username,
        settings.mode,
        settings.rasa_url,
        len(settings.admin_ids),
    )


async def post_shutdown(application: BridgeApplication) -> None:
    bot_data = application.bot_data
    if resources.RASA in bot_data:
        await resources.rasa(bot_data).aclose()
    if resources.STAFF in bot_data:
        resources.staff(bot_data).close()
    if resources.PREFS in bot_data:
        resources.prefs(bot_data).close()


async def publish_commands(application: BridgeApplication) -> None:
    """setMyCommands in every language (English as the default), plus admin menus.

    A failure here only costs the menu, so it is logged and start-up continues. An admin's menu
    can only be set once they have opened a chat with the bot; until then it is skipped.
    """
    bot = application.bot
    texts = resources.texts(application.bot_data)
    settings = resources.settings(application.bot_data)

    def menu(language: str, admin_menu: bool) -> list[BotCommand]:
        return [
            BotCommand(command, description)
            for command, description in texts.command_descriptions(language, admin=admin_menu)
        ]

    for language in SUPPORTED_LANGUAGES:
        code = None if language == FALLBACK_LANGUAGE else language
        try:
            await bot.set_my_commands(menu(language, False), language_code=code)
        except TelegramError as exc:
            log.warning("Could not set the %s command menu: %s", language, exc)
    for admin_id in sorted(settings.admin_ids):
        scope = BotCommandScopeChat(admin_id)
        for language in SUPPORTED_LANGUAGES:
            code = None if language == FALLBACK_LANGUAGE else language
            try:
                await bot.set_my_commands(menu(language, True), scope=scope, language_code=code)
            except TelegramError as exc:
                log.info("Admin menu for %s not set yet: %s", admin_id, exc)
                break


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure with the update id only: updates carry user text and names."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("Error while handling update %s", update_id, exc_info=context.error)


def polling_options(settings: Settings) -> dict[str, Any]:
    """Arguments shared by Application.run_polling and Updater.start_polling."""
    return {"allowed_updates": ALLOWED_UPDATES, "bootstrap_retries": -1}


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Arguments shared by Application.run_webhook and Updater.start_webhook.

    TLS is expected to end at a reverse proxy that forwards ``TELEGRAM_WEBHOOK_URL`` to
    ``listen:port/<same path>``; Telegram signs each request with the secret token, and
    python-telegram-bot rejects requests without it (403).
    """
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": settings.webhook_path,
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret,
        "allowed_updates": ALLOWED_UPDATES,
        "bootstrap_retries": -1,
    }


def run(settings: Settings) -> None:
    """Build the application and run it until SIGINT/SIGTERM, in the configured mode."""
    application = build_application(settings)
    if settings.mode == "webhook":
        application.run_webhook(**webhook_options(settings))
    else:
        application.run_polling(**polling_options(settings))
