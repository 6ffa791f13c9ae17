"""Handlers for staff: commands, free text, button presses and unsupported content.

Each handler is small and maps a Telegram event onto one exchange with the coach (see
conversation.relay). They run after the gatekeeper, so the user is known to be staff, and inside
the per-user ordering of bot.ordering, so a user's updates never overlap.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import resources
from bot.conversation import (
    GREET,
    HELP,
    RESTART,
    language_from_payload,
    relay,
    say,
    set_language_payload,
    user_language,
)
from bot.render import MAX_TEXT_LENGTH, escape, utf16_len
from bot.texts import SUPPORTED_LANGUAGES, normalise_language

log = logging.getLogger(__name__)

CHOICE_MARK = "✓ "


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start, or /start CODE from a t.me invite link: redeem the code, then greet."""
    user = update.effective_user
    if user is None:
        return
    registry = resources.staff(context.bot_data)
    texts = resources.texts(context.bot_data)
    if context.args and not registry.is_allowed(user.id):
        if not registry.redeem(context.args[0], user.id):
            log.info("An invite code was rejected")
            await say(update, context, texts.get("invite_invalid", user_language(update, context)))
            return
        log.info("User %s joined with an invite code", user.id)
        await say(update, context, texts.get("invite_welcome", user_language(update, context)))
    await relay(update, context, GREET)


async def help_topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help and /topics: the coach's own overview, in the user's language."""
    await relay(update, context, HELP)


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/language xx switches directly; without (or with an unknown) code, offer five buttons."""
    user = update.effective_user
    if user is None:
        return
    chosen = normalise_language(context.args[0]) if context.args else None
    if chosen is None:
        texts = resources.texts(context.bot_data)
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        texts.language_name(code), callback_data=set_language_payload(code)
                    )
                ]
                for code in SUPPORTED_LANGUAGES
            ]
        )
        prompt = texts.get("choose_language", user_language(update, context))
        await say(update, context, prompt, reply_markup=markup)
        return
    resources.prefs(context.bot_data).set(user.id, chosen)
    await relay(update, context, set_language_payload(chosen))


async def reset(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reset: Rasa's built-in restart; confirm it ourselves if the coach stays silent."""
    replies = await relay(update, context, RESTART)
    if replies == []:
        texts = resources.texts(context.bot_data)
        await say(update, context, texts.get("reset_done", user_language(update, context)))


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Free text (new or edited, since an edit is a corrected question): forward it as it is."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    if not _addressed_to_bot(message, context.bot.username):
        return
    text = _strip_mention(message.text, context.bot.username)
    if text.lstrip().startswith("/"):
        # Rasa treats a leading "/" as an intent payload; typed text must not pick intents.
        await unknown_command(update, context)
        return
    await relay(update, context, text)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split(maxsplit=1)[0]
    if "@" in command and command.split("@", 1)[1].lower() != (context.bot.username or "").lower():
        return  # meant for another bot in the same group
    texts = resources.texts(context.bot_data)
    await say(update, context, texts.get("unknown_command", user_language(update, context)))


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, video, files, locations...: explain that only text works."""
    message = update.effective_message
    if message is None or not _addressed_to_bot(message, context.bot.username, allow_mention=False):
        return
    texts = resources.texts(context.bot_data)
    await say(update, context, texts.get("text_only", user_language(update, context)))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press on an inline button: send its payload to Rasa as the user who pressed it."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    payload = resources.payloads(context.bot_data).decode(query.data or "")
    if payload is None:
        texts = resources.texts(context.bot_data)
        await query.answer(texts.get("button_expired", user_language(update, context)))
        return
    await query.answer()
    await _mark_choice(query.message, query.data or "")
    chosen_language = language_from_payload(payload)
    if chosen_language is not None:
        resources.prefs(context.bot_data).set(user.id, chosen_language)
    if update.effective_chat is None:
        return  # a button on an inline-mode message: there is no chat to answer in
    await relay(update, context, payload)


async def _mark_choice(message: object, data: str) -> None:
    """Replace the pressed keyboard by the chosen option, so it cannot be pressed twice."""
    if not isinstance(message, Message) or message.reply_markup is None or not message.text:
        return
    title = next(
        (
            b.text
            for row in message.reply_markup.inline_keyboard
            for b in row
            if b.callback_data == data
        ),
        None,
    )
    try:
        if title is not None and utf16_len(message.text + title) + 4 <= MAX_TEXT_LENGTH:
            await message.edit_text(
                f"{message.text_html}\n\n{escape(CHOICE_MARK + title)}",
                parse_mode=ParseMode.HTML,
                reply_markup=None,
            )
        else:
            await message.edit_reply_markup(reply_markup=None)
    except BadRequest as exc:
        # Already edited (a double press) or too old to edit: the answer matters, not this.
        log.debug("Could not mark the chosen button: %s", exc.message)


def _addressed_to_bot(
    message: Message, username: str | None, *, allow_mention: bool = True
) -> bool:
    """In private chats always; in groups only replies to the bot or @mentions of it.

    This mirrors Telegram's group privacy mode in code, so the coach does not answer every
    message in a staff group if privacy mode is switched off in BotFather.
    """
    if message.chat.type == ChatType.PRIVATE:
        return True
    replied = message.reply_to_message
    replied_to = replied.from_user if replied is not None else None
    if replied_to is not None and replied_to.is_bot and replied_to.username == username:
        return True
    return bool(
        allow_mention and username and f"@{username}".lower() in (message.text or "").lower()
    )


def _strip_mention(text: str, username: str | None) -> str:
    if not username:
        return text
    mention = f"@{username}"
    index = text.lower().find(mention.lower())
    if index < 0:
        return text
    return (text[:index] + text[index + len(mention) :]).strip()
