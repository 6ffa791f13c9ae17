"""The gate in front of everything: only staff and admins get past.

It runs as a handler in group -1, before any other handler, so no command, text or button press
from a stranger can reach Rasa by accident (a new handler added later is covered too). A stranger
gets one polite refusal ever (remembered in the staff registry), and nothing about them is logged:
no text, no name, not even their id.

The only thing a stranger may do is ``/start <invite code>``, which is how new staff get in.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import CallbackQueryLimit
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import resources
from bot.conversation import say, user_language

log = logging.getLogger(__name__)


def _popup(text: str) -> str:
    """Fit a text into a callback-query pop-up (Telegram allows 200 characters)."""
    limit = CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_invite_redemption(update: Update) -> bool:
    """True for ``/start CODE`` (a t.me deep link), the one command open to everybody."""
    message = update.message
    if message is None or not message.text:
        return False
    parts = message.text.split()
    return len(parts) == 2 and parts[0].split("@", 1)[0] == "/start"


async def gatekeeper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Let staff through; refuse strangers once; drop updates that have no human sender."""
    user = update.effective_user
    if user is None or user.is_bot:
        raise ApplicationHandlerStop
    registry = resources.staff(context.bot_data)
    if registry.is_allowed(user.id) or is_invite_redemption(update):
        return
    if registry.first_refusal(user.id):
        log.info("Refused an unauthorised user (notified once)")
        text = resources.texts(context.bot_data).get(
            "refused", user_language(update, context), user_id=user.id
        )
        if update.callback_query is not None:
            await update.callback_query.answer(_popup(text), show_alert=True)
        elif update.effective_message is not None:
            await say(update, context, text)
    elif update.callback_query is not None:
        # A button press must still be answered, or the user's client shows a spinner.
        await update.callback_query.answer()
    raise ApplicationHandlerStop
