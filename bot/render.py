"""Turning Rasa's replies into Telegram messages: escaping, splitting, inline keyboards.

Replies are sent with parse_mode HTML, but every piece of text (the coach's playbook, the user's
own words echoed back, our fixed texts) is escaped first: none of it is markup, and a stray "<" or
"&" would otherwise make Telegram reject the whole message. Functions here are pure so they can be
tested without a bot.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from bot.rasa_client import BotMessage, Button

MAX_TEXT_LENGTH: int = MessageLimit.MAX_TEXT_LENGTH  # 4096, counted after entity parsing
MAX_CALLBACK_DATA: int = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA  # 64 bytes
LONG_PAYLOAD_PREFIX = "#"  # Rasa payloads start with "/", so "#" cannot clash


@dataclass(frozen=True)
class Outgoing:
    """One sendMessage call: HTML-safe text and an optional inline keyboard."""

    html: str
    markup: InlineKeyboardMarkup | None = None


def escape(text: str) -> str:
    """Escape for Telegram's HTML mode, which needs only <, > and & escaped."""
    return html.escape(text, quote=False)


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji is usually 2)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT_LENGTH) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` UTF-16 units, preferring line breaks.

    A single line longer than the limit is cut at its last space before the limit (or hard, if
    it has none). Whitespace-only pieces are dropped, since Telegram rejects empty messages.
    """
    if utf16_len(text) <= limit:
        return [text] if text.strip() else []
    chunks: list[str] = []
    current: str | None = None
    for line in text.split("\n"):
        candidate = line if current is None else f"{current}\n{line}"
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current is not None:
            chunks.append(current)
            current = None
        while utf16_len(line) > limit:
            cut = _cut_point(line, limit)
            chunks.append(line[:cut])
            line = line[cut:]
        current = line
    if current is not None:
        chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()]


def _cut_point(line: str, limit: int) -> int:
    """Largest prefix of ``line`` within ``limit``, moved back to a space when there is one."""
    fit = 0
    units = 0
    for index, char in enumerate(line):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            break
        fit = index + 1
    space = line.rfind(" ", fit // 2, fit)
    return space + 1 if space > 0 else fit


class PayloadStore:
    """Gives payloads longer than Telegram's 64-byte callback_data a short stand-in.

    Short payloads are used as they are, so a button press needs no lookup and survives restarts.
    Long ones get a stable hash key; the map is kept in memory (bounded), and a key that has been
    forgotten, e.g. after a restart, decodes to None so the user can be asked to try again.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._long: OrderedDict[str, str] = OrderedDict()

    def encode(self, payload: str) -> str:
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA and not payload.startswith(
            LONG_PAYLOAD_PREFIX
        ):
            return payload
        digest = hashlib.sha256(payload.encode("utf-8")).digest()
        key = LONG_PAYLOAD_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")[:32]
        self._long[key] = payload
        self._long.move_to_end(key)
        while len(self._long) > self._capacity:
            self._long.popitem(last=False)
        return key

    def decode(self, data: str) -> str | None:
        if data.startswith(LONG_PAYLOAD_PREFIX):
            return self._long.get(data)
        return data


def keyboard(
    buttons: Sequence[Button], encode: Callable[[str], str]
) -> InlineKeyboardMarkup | None:
    """One button per row: titles are sentences in five languages, and rows read best."""
    if not buttons:
        return None
    rows = []
    for button in buttons:
        if button.payload.startswith(("https://", "http://")):
            rows.append([InlineKeyboardButton(button.title, url=button.payload)])
        else:
            rows.append([InlineKeyboardButton(button.title, callback_data=encode(button.payload))])
    return InlineKeyboardMarkup(rows)


def render(
    message: BotMessage,
    *,
    encode: Callable[[str], str],
    buttons_only_text: str,
    limit: int = MAX_TEXT_LENGTH,
) -> list[Outgoing]:
    """The sendMessage calls for one Rasa message; the keyboard rides on the last piece.

    ``buttons_only_text`` is used when Rasa sends buttons without text, since Telegram needs
    some text to attach a keyboard to.
    """
    text = message.text
    if message.image:
        text = f"{text}\n{message.image}" if text.strip() else message.image
    markup = keyboard(message.buttons, encode)
    pieces = split_text(text, limit)
    if not pieces:
        if markup is None:
            return []
        pieces = [buttons_only_text]
    return [
        Outgoing(html=escape(piece), markup=markup if index == len(pieces) - 1 else None)
        for index, piece in enumerate(pieces)
    ]
