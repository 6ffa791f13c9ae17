"""One exchange with the coach: forward a message to Rasa as the user and deliver the replies.

Commands, free text and button presses all end up here, so the rules that must always hold live
in one place: the conversation id is the Telegram *user* id (also in group chats, so one person
has one coaching conversation wherever they write), the user's language travels as metadata,
"typing" shows while Rasa thinks (in private chats), and a Rasa failure becomes a friendly
message, never silence.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext

from telegram import Bot, Chat, InlineKeyboardMarkup, ReplyParameters, Update, User
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot import resources
from bot.rasa_client import BotMessage, RasaUnavailable
from bot.render import escape, render, split_text
from bot.texts import normalise_language, pick_language

log = logging.getLogger(__name__)

GREET = "/greet"
HELP = "/help"
RESTART = "/restart"
SET_LANGUAGE = "/set_language"
TYPING_REFRESH_SECONDS = 4.0  # Telegram shows "typing" for about 5 seconds per action


def set_language_payload(language: str) -> str:
    """The Rasa payload that switches the coach's language, e.g. /set_language{"language":"et"}."""
    return SET_LANGUAGE + json.dumps({"language": language}, separators=(",", ":"))


def language_from_payload(payload: str) -> str | None:
    """The language a /set_language payload selects, or None for any other payload."""
    if not payload.startswith(SET_LANGUAGE + "{"):
        return None
    try:
        entities = json.loads(payload[len(SET_LANGUAGE) :])
    except ValueError:
        return None
    return normalise_language(entities.get("language")) if isinstance(entities, dict) else None


def user_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Language for the bridge's own texts: /language choice, then Telegram's, then English."""
    user = update.effective_user
    if user is None:
        return pick_language(None, None)
    return pick_language(resources.prefs(context.bot_data).get(user.id), user.language_code)


def _reply_parameters(update: Update) -> ReplyParameters | None:
    """In groups, quote the question so everyone sees whom the answer is for."""
    chat = update.effective_chat
    message = update.message or update.edited_message
    if chat is None or message is None or chat.type == Chat.PRIVATE:
        return None
    return ReplyParameters(message_id=message.message_id, allow_sending_without_reply=True)


async def say(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Send one of the bridge's own (plain) texts to the chat the update came from.

    Long texts (a big /staff list) are split like Rasa replies; a keyboard goes on the last piece.
    """
    chat = update.effective_chat
    if chat is None:
        return
    pieces = split_text(text)
    reply_parameters = _reply_parameters(update)
    for index, piece in enumerate(pieces):
        try:
            await context.bot.send_message(
                chat.id,
                escape(piece),
                parse_mode=ParseMode.HTML,
                reply_parameters=reply_parameters,
                reply_markup=reply_markup if index == len(pieces) - 1 else None,
            )
        except Forbidden:
            log.info("Chat %s has blocked the bot; message dropped", chat.id)
            return
        reply_parameters = None


@asynccontextmanager
async def typing_action(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "typing" in ``chat_id`` until the block ends, refreshing it every few seconds.

    The first action goes out concurrently with the Rasa request so it costs no latency; on exit
    we wait briefly for it, so "typing" is not sent after the answer it announced.
    """
    done = asyncio.Event()

    async def keep_typing() -> None:
        while True:
            try:
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            except TelegramError as exc:
                log.debug("sendChatAction failed: %s", type(exc).__name__)
            try:
                await asyncio.wait_for(done.wait(), TYPING_REFRESH_SECONDS)
                return
            except asyncio.TimeoutError:
                continue

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        done.set()
        finished, _ = await asyncio.wait({task}, timeout=1.0)
        if not finished:
            task.cancel()


async def relay(
    update: Update, context: ContextTypes.DEFAULT_TYPE, message: str
) -> list[BotMessage] | None:
    """Send ``message`` (text or /payload) to Rasa as this user and deliver the replies.

    Returns the replies, or None if Rasa was unavailable (the user has been told so). Only the
    user id and a failure reason are logged, never the message.
    """
    user: User | None = update.effective_user
    chat: Chat | None = update.effective_chat
    if user is None or chat is None:
        return None
    preferred = resources.prefs(context.bot_data).get(user.id)
    metadata_language = preferred or user.language_code
    # In groups Telegram allows only about 20 messages a minute and chat actions count against
    # that, so "typing" is shown in private chats only.
    indicator = typing_action(context.bot, chat.id) if chat.type == Chat.PRIVATE else nullcontext()
    async with indicator:
        try:
            replies = await resources.rasa(context.bot_data).send(
                sender=str(user.id), message=message, language=metadata_language
            )
        except RasaUnavailable as exc:
            log.warning("Rasa unavailable for user %s: %s", user.id, exc.reason)
            texts = resources.texts(context.bot_data)
            await say(update, context, texts.get("unavailable", user_language(update, context)))
            return None
    await deliver(update, context, replies)
    return replies


async def deliver(
    update: Update, context: ContextTypes.DEFAULT_TYPE, replies: list[BotMessage]
) -> None:
    """Send Rasa's replies in order, each split and given its inline keyboard."""
    chat = update.effective_chat
    if chat is None:
        return
    texts = resources.texts(context.bot_data)
    store = resources.payloads(context.bot_data)
    buttons_only = texts.get("choose_option", user_language(update, context))
    reply_parameters = _reply_parameters(update)
    for reply in replies:
        for outgoing in render(reply, encode=store.encode, buttons_only_text=buttons_only):
            try:
                await context.bot.send_message(
                    chat.id,
                    outgoing.html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=outgoing.markup,
                    reply_parameters=reply_parameters,
                )
            except Forbidden:
                log.info("Chat %s has blocked the bot; replies dropped", chat.id)
                return
            except BadRequest as exc:
                # One reply Telegram refuses (e.g. a malformed button URL from the playbook)
                # must not swallow the rest of the answer.
                log.error("Telegram refused a reply in chat %s: %s", chat.id, exc.message)
            reply_parameters = None  # quote the question once, not on every piece
