"""Admin commands, used from the chat: /invite, /allow, /remove, /staff.

Team leads manage access where they already are (Telegram) rather than on the server. Admins are
fixed by TELEGRAM_ADMIN_IDS, so losing the database, or a mistaken /remove, can never lock them
out. These commands are never forwarded to Rasa.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from telegram import Update
from telegram.ext import ContextTypes

from bot import resources
from bot.conversation import say, user_language

log = logging.getLogger(__name__)


async def _admin_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The admin's user id, or None after telling a non-admin that the command is not theirs."""
    user = update.effective_user
    if user is None:
        return None
    if resources.staff(context.bot_data).is_admin(user.id):
        return user.id
    await _reply(update, context, "admin_only")
    return None


async def _reply(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, **values: object) -> None:
    """Answer the admin with text `key` of bot/texts.yml, in their language."""
    texts = resources.texts(context.bot_data)
    await say(update, context, texts.get(key, user_language(update, context), **values))


def _user_id_argument(context: ContextTypes.DEFAULT_TYPE) -> int | None:
    if not context.args or len(context.args) != 1:
        return None
    try:
        value = int(context.args[0])
    except ValueError:
        return None
    return value if value > 0 else None


async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/invite: a one-time t.me link that lets whoever opens it first in."""
    admin_id = await _admin_only(update, context)
    if admin_id is None:
        return
    settings = resources.settings(context.bot_data)
    code = resources.staff(context.bot_data).create_invite(
        admin_id, ttl_seconds=settings.invite_ttl_hours * 3600
    )
    link = f"https://t.me/{context.bot.username}?start={code}"
    log.info("Admin %s created an invite code", admin_id)
    await _reply(update, context, "invite_created", hours=f"{settings.invite_ttl_hours:g}", link=link)


async def allow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/allow <user_id>: add someone directly, e.g. after they sent their id from the refusal."""
    admin_id = await _admin_only(update, context)
    if admin_id is None:
        return
    user_id = _user_id_argument(context)
    if user_id is None:
        await _reply(update, context, "allow_usage")
    elif resources.staff(context.bot_data).allow(user_id, added_by=admin_id):
        log.info("Admin %s allowed user %s", admin_id, user_id)
        await _reply(update, context, "allowed", user_id=user_id)
    else:
        await _reply(update, context, "already_allowed", user_id=user_id)


async def remove(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/remove <user_id>: take someone off the allow-list (admins cannot be removed here)."""
    admin_id = await _admin_only(update, context)
    if admin_id is None:
        return
    user_id = _user_id_argument(context)
    registry = resources.staff(context.bot_data)
    if user_id is None:
        await _reply(update, context, "remove_usage")
    elif registry.is_admin(user_id):
        await _reply(update, context, "cannot_remove_admin", user_id=user_id)
    elif registry.remove(user_id):
        log.info("Admin %s removed user %s", admin_id, user_id)
        await _reply(update, context, "removed", user_id=user_id)
    else:
        await _reply(update, context, "not_staff", user_id=user_id)


async def staff(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/staff: admins and everyone on the allow-list, oldest first."""
    admin_id = await _admin_only(update, context)
    if admin_id is None:
        return
    texts = resources.texts(context.bot_data)
    lang = user_language(update, context)
    registry = resources.staff(context.bot_data)
    members = registry.members()
    if not members:
        await say(update, context, texts.get("staff_empty", lang))
        return
    lines = [
        texts.get(
            "staff_header",
            lang,
            admins=", ".join(str(i) for i in sorted(registry.admin_ids)),
            count=len(members),
        )
    ]
    for member in members:
        added = datetime.fromtimestamp(member.added_at, tz=timezone.utc).strftime("%Y-%m-%d")
        lines.append(texts.get("staff_entry", lang, user_id=member.user_id, date=added))
    await say(update, context, "\n".join(lines))
