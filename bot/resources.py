"""Typed access to the shared objects kept in ``application.bot_data``.

python-telegram-bot hands every handler the same ``bot_data`` dict; storing the Rasa client, the
staff registry etc. there (instead of module globals) ties their lifetime to the application:
they are created in post_init, closed in post_shutdown, and two applications in one process (as in
the tests) never share state. These helpers keep the string keys in one place and give handlers
properly typed objects.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, cast

from bot.rasa_client import RasaClient
from bot.render import PayloadStore
from bot.settings import Settings
from bot.staff_registry import StaffRegistry
from bot.texts import Texts
from bot.user_prefs import LanguagePreferences

SETTINGS = "settings"
TEXTS = "texts"
PAYLOADS = "payloads"
RASA = "rasa"
STAFF = "staff"
PREFS = "language_prefs"

BotData = MutableMapping[Any, Any]


def settings(bot_data: BotData) -> Settings:
    return cast(Settings, bot_data[SETTINGS])


def texts(bot_data: BotData) -> Texts:
    return cast(Texts, bot_data[TEXTS])


def payloads(bot_data: BotData) -> PayloadStore:
    return cast(PayloadStore, bot_data[PAYLOADS])


def rasa(bot_data: BotData) -> RasaClient:
    return cast(RasaClient, bot_data[RASA])


def staff(bot_data: BotData) -> StaffRegistry:
    return cast(StaffRegistry, bot_data[STAFF])


def prefs(bot_data: BotData) -> LanguagePreferences:
    return cast(LanguagePreferences, bot_data[PREFS])
