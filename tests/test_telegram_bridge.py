"""The Telegram bridge end to end, offline, over real HTTP.

The real bridge (bot.telegram_bridge.build_application, python-telegram-bot 22) runs against the
fake Bot API server in tests/fake_telegram.py through TELEGRAM_BASE_URL. Behind it is either the
real coach (fixture ``rasa_url`` from conftest.py: the tests that check coaching replies), or a
tiny fake REST channel defined here, for what the real one cannot do on demand: go down and come
back, answer slowly, answer with HTML-looking text, echo quickly for the 50-user load test.

Tests are plain functions that run their scenario with asyncio.run (no pytest-asyncio needed).
Waits have generous deadlines as a safety net against hangs; nothing asserts on timing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import sys
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from bot import log_safety
from bot.render import PayloadStore, escape, split_text, utf16_len
from bot.settings import Settings, SettingsError
from bot.staff_registry import StaffRegistry
from bot.telegram_bridge import (
    BridgeApplication,
    build_application,
    polling_options,
    webhook_options,
)
from bot.texts import SUPPORTED_LANGUAGES, Texts, pick_language

try:  # tests/ on sys.path (pytest's default rootdir insertion) or tests as a package
    from fake_telegram import DEFAULT_TOKEN, FakeTelegram
except ImportError:  # pragma: no cover
    from tests.fake_telegram import DEFAULT_TOKEN, FakeTelegram  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
TEXTS = Texts.load()
ADMIN = 1000
STAFF = 2001
STRANGER = 6666
LRM_RLM = re.compile("[\u200e\u200f]")

Reply = list[dict[str, Any]]


# --- a tiny fake Rasa REST channel ------------------------------------------------------------


def echo(body: dict[str, Any]) -> Reply:
    return [{"recipient_id": body["sender"], "text": f"echo: {body['message']}"}]


class FakeRasa:
    """POST /webhooks/rest/webhook: records requests, answers with ``respond(body)``.

    It can also answer with an HTTP error (``status``), answer late (``delay``), or be stopped
    and restarted on the same port, to play "Rasa is down, then back".
    """

    def __init__(self, respond: Callable[[dict[str, Any]], Reply | Awaitable[Reply]] = echo):
        self.respond = respond
        self.received: list[dict[str, Any]] = []
        self.status = 200
        self.delay = 0.0
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FakeRasa:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._webhook)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status != 200:
            return web.json_response({"error": "boom"}, status=self.status)
        replies = self.respond(body)
        if asyncio.iscoroutine(replies):
            replies = await replies
        return web.json_response(replies)

    def messages_from(self, user_id: int) -> list[str]:
        return [b["message"] for b in self.received if b["sender"] == str(user_id)]


# --- running the bridge -----------------------------------------------------------------------


def allow(db: Path, *user_ids: int) -> None:
    registry = StaffRegistry.open(db)
    for user_id in user_ids:
        registry.allow(user_id)
    registry.close()


def bridge_env(tmp_path: Path, tg: FakeTelegram, rasa_url: str, **extra: str) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_BASE_URL": tg.base_url,
        "RASA_URL": rasa_url,
        "STAFF_DB": str(tmp_path / "staff.db"),
        "TELEGRAM_ADMIN_IDS": str(ADMIN),
        "TELEGRAM_MAX_RATE": "0",  # no pacing in tests; 429s are still honoured
        "RASA_TIMEOUT": "30",
        **extra,
    }


@asynccontextmanager
async def running_bridge(env: dict[str, str]) -> AsyncIterator[BridgeApplication]:
    """The application's life-cycle as run_polling/run_webhook drive it, minus signal handling."""
    settings = Settings.from_env(env)
    application = build_application(settings)
    await application.initialize()
    assert application.post_init is not None and application.post_shutdown is not None
    await application.post_init(application)
    if settings.mode == "webhook":
        await application.updater.start_webhook(**webhook_options(settings))
    else:
        await application.updater.start_polling(**polling_options(settings))
    await application.start()
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        await application.post_shutdown(application)


async def settled(tg: FakeTelegram, application: BridgeApplication) -> None:
    """Wait until every queued update was fetched and fully handled by the bridge.

    Needed to assert that something did *not* happen (e.g. nothing reached Rasa).
    """
    await tg.wait_until(lambda: not tg._pending, what="updates fetched")
    await asyncio.wait_for(application.update_queue.join(), 60)


@asynccontextmanager
async def bridge_to(
    tmp_path: Path, rasa_url: str, *, staff: tuple[int, ...] = (STAFF,), **extra_env: str
) -> AsyncIterator[tuple[FakeTelegram, BridgeApplication]]:
    """A fake Telegram and the bridge between it and the Rasa at ``rasa_url``."""
    allow(tmp_path / "staff.db", *staff)
    async with (
        FakeTelegram() as tg,
        running_bridge(bridge_env(tmp_path, tg, rasa_url, **extra_env)) as app,
    ):
        yield tg, app


@asynccontextmanager
async def setup(
    tmp_path: Path, *, rasa: FakeRasa, staff: tuple[int, ...] = (STAFF,), **extra_env: str
) -> AsyncIterator[tuple[FakeTelegram, FakeRasa, BridgeApplication]]:
    """Fake Telegram -> bridge -> fake Rasa."""
    await rasa.start()
    try:
        async with bridge_to(tmp_path, rasa.url, staff=staff, **extra_env) as (tg, app):
            yield tg, rasa, app
    finally:
        await rasa.stop()


def visible(message: dict[str, Any]) -> str:
    return LRM_RLM.sub("", message["text"])


def keyboard_data(message: dict[str, Any]) -> list[str]:
    return [
        button.get("callback_data") or button.get("url")
        for row in message.get("reply_markup", {}).get("inline_keyboard", [])
        for button in row
    ]


def sends_to(tg: FakeTelegram, chat_id: int) -> list[dict[str, Any]]:
    return [c.params for c in tg.calls_to("sendMessage") if c.params["chat_id"] == chat_id]


def run(coroutine: Awaitable[None]) -> None:
    asyncio.run(coroutine)  # type: ignore[arg-type]


# --- with a fake Rasa -------------------------------------------------------------------------


def coach_like(body: dict[str, Any]) -> Reply:
    """Answers shaped like the coach's: advice with buttons, follow-ups by payload."""
    sender, message = body["sender"], body["message"]
    if message == "/followup_say":
        return [{"recipient_id": sender, "text": "Say: I am sorry for the wait."}]
    if message.startswith("/"):
        return [{"recipient_id": sender, "text": f"payload {message}"}]
    return [
        {"recipient_id": sender, "text": "Stay calm and listen."},
        {
            "recipient_id": sender,
            "text": "What next?",
            "buttons": [
                {"title": "What do I say?", "payload": "/followup_say"},
                {"title": "I'm back", "payload": "/coach_returns"},
            ],
        },
    ]


def test_question_gets_answer_with_inline_buttons(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa(coach_like)) as (tg, rasa, _):
            user = tg.user(STAFF, language_code="en")
            tg.send_text(user, "A customer is shouting at me, what do I do?")
            messages = await tg.wait_for_messages(STAFF, 2)
            assert [m["text"] for m in messages] == ["Stay calm and listen.", "What next?"]
            assert keyboard_data(messages[0]) == []
            assert keyboard_data(messages[1]) == ["/followup_say", "/coach_returns"]
            assert all(p["parse_mode"] == "HTML" for p in sends_to(tg, STAFF))
            assert rasa.received == [
                {
                    "sender": str(STAFF),
                    "message": "A customer is shouting at me, what do I do?",
                    "metadata": {"language": "en", "channel": "telegram"},
                }
            ]
            actions = tg.calls_to("sendChatAction")
            assert actions and actions[0].params == {"chat_id": STAFF, "action": "typing"}
            assert actions[0].at < tg.calls_to("sendMessage")[0].at

    run(scenario())


def test_button_press_sends_payload_and_answers_the_callback(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa(coach_like)) as (tg, rasa, _):
            user = tg.user(STAFF)
            tg.send_text(user, "angry customer")
            messages = await tg.wait_for_messages(STAFF, 2)
            press = tg.press_button(user, messages[1], "/followup_say")
            messages = await tg.wait_for_messages(STAFF, 3)
            assert messages[2]["text"] == "Say: I am sorry for the wait."
            assert rasa.messages_from(STAFF) == ["angry customer", "/followup_say"]
            assert press["callback_query"]["id"] in tg.callback_answers
            # The pressed keyboard is replaced by the choice, so it cannot be pressed twice.
            assert keyboard_data(messages[1]) == []
            assert messages[1]["text"].endswith("What do I say?")

    run(scenario())


def test_unauthorised_user_is_refused_once_and_nothing_is_forwarded_or_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret_text = "my secret question about salaries"
    name = "Mallory Strangename"

    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa(coach_like)) as (tg, rasa, app):
            stranger = tg.user(STRANGER, name, language_code="ru")
            tg.send_text(stranger, secret_text)
            await tg.wait_for_messages(STRANGER, 1)
            tg.send_text(stranger, "/start")
            tg.send_text(stranger, "/help")
            tg.send_sticker(stranger)
            tg.send_text(stranger, "hello again")
            await settled(tg, app)
            texts = tg.sent_texts(STRANGER)
            assert texts == [TEXTS.get("refused", "ru", user_id=STRANGER)]
            assert rasa.received == []

    log_safety.restrict_library_logging()
    with caplog.at_level(logging.DEBUG):
        run(scenario())
    assert secret_text not in caplog.text
    assert name not in caplog.text and "Strangename" not in caplog.text


def test_refusal_is_remembered_across_restarts(tmp_path: Path) -> None:
    async def scenario() -> None:
        for _ in range(2):
            async with setup(tmp_path, rasa=FakeRasa()) as (tg, _, app):
                tg.send_text(tg.user(STRANGER), "hi")
                await settled(tg, app)
                sent.append(len(tg.sent_texts(STRANGER)))

    sent: list[int] = []
    run(scenario())
    assert sent == [1, 0]


def test_a_stranger_pressing_a_button_in_a_group_is_refused_in_an_alert(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa(coach_like)) as (tg, rasa, app):
            group = tg.group_chat(-100777)
            tg.send_text(tg.user(STAFF), f"@{tg.username} angry customer", chat=group)
            messages = await tg.wait_for_messages(-100777, 2)
            stranger = tg.user(STRANGER, language_code="et")
            first = tg.press_button(stranger, messages[1], "/followup_say")
            second = tg.press_button(stranger, messages[1], "/followup_say")
            await settled(tg, app)
            assert tg.callback_answers[first["callback_query"]["id"]] == {
                "callback_query_id": first["callback_query"]["id"],
                "text": TEXTS.get("refused", "et", user_id=STRANGER),
                "show_alert": True,
            }
            assert tg.callback_answers[second["callback_query"]["id"]] == {
                "callback_query_id": second["callback_query"]["id"]
            }
            assert rasa.messages_from(STRANGER) == []
            assert len(tg.sent_messages(-100777)) == 2
            assert keyboard_data(tg.sent_messages(-100777)[1])  # keyboard left for the staff

    run(scenario())


def test_invite_link_lets_a_new_staff_member_in_once(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa(coach_like)) as (tg, rasa, app):
            tg.send_text(tg.user(ADMIN), "/invite")
            [reply] = await tg.wait_for_messages(ADMIN, 1)
            match = re.search(
                rf"https://t\.me/{tg.username}\?start=([A-Za-z0-9_-]+)", reply["text"]
            )
            assert match, reply["text"]
            code = match.group(1)
            assert len(code) <= 64

            newcomer = tg.user(3001, "Nina", language_code="et")
            tg.send_text(newcomer, f"/start {code}")  # what opening the t.me link sends
            messages = await tg.wait_for_messages(3001, 2)
            assert messages[0]["text"] == TEXTS.get("invite_welcome", "et")
            assert rasa.messages_from(3001) == ["/greet"]
            tg.send_text(newcomer, "now I can ask")
            await tg.wait_until(lambda: rasa.messages_from(3001)[-1] == "now I can ask")

            late = tg.user(3002, language_code="ro")
            tg.send_text(late, f"/start {code}")
            [refusal] = await tg.wait_for_messages(3002, 1)
            assert refusal["text"] == TEXTS.get("invite_invalid", "ro")
            tg.send_text(late, "let me in")
            await settled(tg, app)
            assert rasa.messages_from(3002) == []

    run(scenario())


def test_admin_manages_staff_from_the_chat(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa()) as (tg, rasa, app):
            admin, newcomer, staff = tg.user(ADMIN), tg.user(4001), tg.user(STAFF)
            tg.send_text(newcomer, "hello?")
            await tg.wait_for_messages(4001, 1)  # the refusal
            tg.send_text(admin, "/allow 4001")
            await tg.wait_for_messages(ADMIN, 1)
            tg.send_text(newcomer, "hello now")
            [_, answer] = await tg.wait_for_messages(4001, 2)
            assert answer["text"] == "echo: hello now"

            tg.send_text(admin, "/staff")
            messages = await tg.wait_for_messages(ADMIN, 2)
            assert "4001" in messages[1]["text"] and str(STAFF) in messages[1]["text"]

            tg.send_text(staff, "/allow 5555")  # staff are not admins
            [denied] = await tg.wait_for_messages(STAFF, 1)
            assert denied["text"] == TEXTS.get("admin_only", "en")

            tg.send_text(admin, "/remove 4001")
            tg.send_text(admin, f"/remove {ADMIN}")
            tg.send_text(admin, "/allow nobody")
            messages = await tg.wait_for_messages(ADMIN, 5)
            assert [m["text"] for m in messages[2:]] == [
                TEXTS.get("removed", "en", user_id=4001),
                TEXTS.get("cannot_remove_admin", "en", user_id=ADMIN),
                TEXTS.get("allow_usage", "en"),
            ]
            tg.send_text(newcomer, "still there?")
            await settled(tg, app)
            assert rasa.messages_from(4001) == ["hello now"]
            assert tg.sent_texts(4001)[-1] == TEXTS.get("refused", "en", user_id=4001)

    run(scenario())


def test_stickers_photos_voice_and_locations_get_a_text_only_reply(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa()) as (tg, rasa, app):
            user = tg.user(STAFF, language_code="ru")
            tg.send_sticker(user)
            tg.send_photo(user, caption="look")
            tg.send_voice(user)
            tg.send_location(user)
            tg.send_document(user)
            messages = await tg.wait_for_messages(STAFF, 5)
            assert {m["text"] for m in messages} == {TEXTS.get("text_only", "ru")}
            await settled(tg, app)
            assert rasa.received == []

    run(scenario())


def test_rasa_down_then_back_recovers_by_itself(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa()) as (tg, rasa, app):
            user = tg.user(STAFF, language_code="ro")
            unavailable = TEXTS.get("unavailable", "ro")

            await rasa.stop()  # connection refused
            tg.send_text(user, "first")
            await tg.wait_for_messages(STAFF, 1)
            await rasa.start()  # same port
            tg.send_text(user, "second")
            await tg.wait_for_messages(STAFF, 2)

            rasa.status = 500  # Rasa erroring
            tg.send_text(user, "third")
            await tg.wait_for_messages(STAFF, 3)
            rasa.status = 200
            tg.send_text(user, "fourth")
            messages = await tg.wait_for_messages(STAFF, 4)
            assert [m["text"] for m in messages] == [
                unavailable,
                "echo: second",
                unavailable,
                "echo: fourth",
            ]
            assert app.running

    run(scenario())


def test_slow_rasa_gets_the_friendly_message_and_the_next_question_works(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa(), RASA_TIMEOUT="0.3") as (tg, rasa, _):
            user = tg.user(STAFF, language_code="et")
            rasa.delay = 5.0
            tg.send_text(user, "are you there?")
            [slow] = await tg.wait_for_messages(STAFF, 1)
            assert slow["text"] == TEXTS.get("unavailable", "et")
            rasa.delay = 0.0
            tg.send_text(user, "and now?")
            messages = await tg.wait_for_messages(STAFF, 2)
            assert messages[1]["text"] == "echo: and now?"

    run(scenario())


def test_a_5000_character_message_is_forwarded_as_is_and_long_replies_are_split(
    tmp_path: Path,
) -> None:
    question = ("My customer says the delivery was late and nobody called back. " * 80)[:5000]
    long_answer = "\n".join(f"Line {i}: " + "advice " * 20 for i in range(60))

    def respond(body: dict[str, Any]) -> Reply:
        return [{"text": long_answer, "buttons": [{"title": "OK", "payload": "/coach_returns"}]}]

    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa(respond)) as (tg, rasa, _):
            tg.send_text(tg.user(STAFF), question)
            await tg.wait_until(lambda: any(keyboard_data(m) for m in tg.sent_messages(STAFF)))
            messages = tg.sent_messages(STAFF)
            assert rasa.messages_from(STAFF) == [question]
            assert len(messages) == 3
            assert all(utf16_len(m["text"]) <= 4096 for m in messages)
            assert "\n".join(m["text"] for m in messages) == long_answer
            assert [bool(keyboard_data(m)) for m in messages] == [False, False, True]

    run(scenario())


def test_arabic_and_emoji_question_and_empty_text(tmp_path: Path) -> None:
    question = "العميل غاضب جداً!!! ماذا أقول له؟ 😡"

    def respond(body: dict[str, Any]) -> Reply:
        return [{"text": f"«{body['message']}» 👍 حسنًا"}]

    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa(respond)) as (tg, rasa, _):
            user = tg.user(STAFF, language_code="ar")
            tg.send_text(user, question)
            [answer] = await tg.wait_for_messages(STAFF, 1)
            assert answer["text"] == f"«{question}» 👍 حسنًا"
            assert rasa.received[0]["metadata"]["language"] == "ar"
            tg.send_text(user, "")
            tg.send_text(user, "🙂🙂🙂")
            await tg.wait_for_messages(STAFF, 3)
            assert rasa.messages_from(STAFF) == [question, "", "🙂🙂🙂"]

    run(scenario())


def test_reply_text_is_html_escaped(tmp_path: Path) -> None:
    def respond(body: dict[str, Any]) -> Reply:
        return [{"text": "<b>&", "buttons": [{"title": "<i>&", "payload": "/coach_returns"}]}]

    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa(respond)) as (tg, rasa, _):
            tg.send_text(tg.user(STAFF), "<script>alert(1)</script> & more")
            [message] = await tg.wait_for_messages(STAFF, 1)
            [sent] = sends_to(tg, STAFF)
            assert sent["text"] == "&lt;b&gt;&amp;" and sent["parse_mode"] == "HTML"
            assert message["text"] == "<b>&"
            assert message["reply_markup"]["inline_keyboard"][0][0]["text"] == "<i>&"
            assert rasa.messages_from(STAFF) == ["<script>alert(1)</script> & more"]

    run(scenario())


def test_50_users_sending_10_messages_each_at_once_lose_and_reorder_nothing(
    tmp_path: Path,
) -> None:
    users = [5000 + i for i in range(50)]

    async def jittery_echo(body: dict[str, Any]) -> Reply:
        # Deterministic, uneven delays so answers would overtake each other if order were lost.
        await asyncio.sleep((zlib.crc32(body["message"].encode()) % 7) * 0.002)
        return echo(body)

    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa(jittery_echo), staff=tuple(users)) as (
            tg,
            rasa,
            _,
        ):
            people = {u: tg.user(u) for u in users}
            for n in range(10):
                for u in users:
                    tg.send_text(people[u], f"user {u} message {n}")
            await tg.wait_until(
                lambda: len(tg.calls_to("sendMessage")) >= 500, timeout=120, what="500 replies"
            )
            for u in users:
                expected = [f"user {u} message {n}" for n in range(10)]
                assert rasa.messages_from(u) == expected
                assert tg.sent_texts(u) == [f"echo: {text}" for text in expected]
            assert len(tg.calls_to("sendMessage")) == 500

    run(scenario())


def test_an_edited_message_is_treated_as_a_new_question(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa()) as (tg, _, _):
            update = tg.send_text(tg.user(STAFF), "how do I hadnle refunds")
            await tg.wait_for_messages(STAFF, 1)
            tg.edit_text(update["message"], "how do I handle refunds")
            messages = await tg.wait_for_messages(STAFF, 2)
            assert messages[1]["text"] == "echo: how do I handle refunds"

    run(scenario())


def test_commands_map_to_coach_payloads(tmp_path: Path) -> None:
    def respond(body: dict[str, Any]) -> Reply:
        if body["message"] == "/restart":
            return []  # Rasa's restart says nothing by itself
        return [{"text": f"got {body['message']}"}]

    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa(respond)) as (tg, rasa, _):
            user = tg.user(STAFF, language_code="en")
            for command in ["/start", "/help", "/topics", "/reset", "/language et", "/nonsense"]:
                tg.send_text(user, command)
            messages = await tg.wait_for_messages(STAFF, 6)
            assert rasa.messages_from(STAFF) == [
                "/greet",
                "/help",
                "/help",
                "/restart",
                '/set_language{"language":"et"}',
            ]
            assert [m["text"] for m in messages] == [
                "got /greet",
                "got /help",
                "got /help",
                TEXTS.get("reset_done", "en"),
                'got /set_language{"language":"et"}',
                TEXTS.get("unknown_command", "et"),  # the bridge now speaks Estonian too
            ]
            tg.send_text(user, "tere")
            await tg.wait_for_messages(STAFF, 7)
            assert rasa.received[-1]["metadata"]["language"] == "et"

    run(scenario())


def test_language_without_argument_offers_five_buttons(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa()) as (tg, rasa, _):
            user = tg.user(STAFF, language_code="en")
            tg.send_text(user, "/language")
            [menu] = await tg.wait_for_messages(STAFF, 1)
            buttons = [b for row in menu["reply_markup"]["inline_keyboard"] for b in row]
            assert [b["text"] for b in buttons] == [
                "English",
                "Русский",
                "Română",
                "Eesti",
                "العربية",
            ]
            ru = '/set_language{"language":"ru"}'
            assert [b["callback_data"] for b in buttons][1] == ru
            tg.press_button(user, menu, ru)
            await tg.wait_for_messages(STAFF, 2)
            assert rasa.messages_from(STAFF) == [ru]
            tg.send_sticker(user)
            messages = await tg.wait_for_messages(STAFF, 3)
            assert messages[2]["text"] == TEXTS.get("text_only", "ru")

    run(scenario())


def test_commands_are_registered_in_every_language(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa()) as (tg, _, _):
            default = json.dumps({"type": "default"}, sort_keys=True)
            for language in SUPPORTED_LANGUAGES:
                key = (default, "" if language == "en" else language)
                commands = tg.commands[key]
                assert [c["command"] for c in commands] == [
                    "start",
                    "help",
                    "topics",
                    "language",
                    "reset",
                ]
                assert commands == [
                    {"command": c, "description": d}
                    for c, d in TEXTS.command_descriptions(language)
                ]

    run(scenario())


def test_long_payloads_still_fit_in_callback_data(tmp_path: Path) -> None:
    long_payload = '/choose_topic{"topic":"' + "very_long_topic_name_" * 5 + '"}'

    def respond(body: dict[str, Any]) -> Reply:
        if body["message"] == long_payload:
            return [{"text": "topic chosen"}]
        return [{"text": "pick", "buttons": [{"title": "Topic", "payload": long_payload}]}]

    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa(respond)) as (tg, rasa, _):
            user = tg.user(STAFF)
            tg.send_text(user, "topics please")
            [menu] = await tg.wait_for_messages(STAFF, 1)
            [data] = keyboard_data(menu)
            assert len(data.encode()) <= 64
            tg.press_button(user, menu, data)
            messages = await tg.wait_for_messages(STAFF, 2)
            assert messages[1]["text"] == "topic chosen"
            assert rasa.messages_from(STAFF) == ["topics please", long_payload]

    run(scenario())


def test_group_chat_uses_the_user_as_the_conversation(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa()) as (tg, rasa, app):
            group = tg.group_chat(-100123)
            user = tg.user(STAFF)
            tg.send_text(user, "chatting with colleagues", chat=group)  # not for the bot
            tg.send_text(user, f"@{tg.username} how do I calm a customer?", chat=group)
            await tg.wait_for_messages(-100123, 1)
            await settled(tg, app)
            assert rasa.received == [
                {
                    "sender": str(STAFF),
                    "message": "how do I calm a customer?",
                    "metadata": {"language": "en", "channel": "telegram"},
                }
            ]
            [sent] = sends_to(tg, -100123)
            assert sent["reply_parameters"]["message_id"] == 2  # quotes the question

    run(scenario())


def test_telegram_429_is_respected_and_the_reply_still_arrives(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with setup(tmp_path, rasa=FakeRasa()) as (tg, _, _):
            tg.fail_next("sendMessage", code=429, retry_after=1)
            tg.send_text(tg.user(STAFF), "hello")
            [message] = await tg.wait_for_messages(STAFF, 1)
            assert message["text"] == "echo: hello"
            attempts = [c for c in tg.calls if c.method == "sendMessage"]
            assert [c.status for c in attempts] == [429, 200]

    run(scenario())


def test_webhook_mode_accepts_only_requests_with_the_secret(tmp_path: Path) -> None:
    port = _free_port()

    async def scenario() -> None:
        async with setup(
            tmp_path,
            rasa=FakeRasa(),
            TELEGRAM_MODE="webhook",
            TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/hook",
            TELEGRAM_WEBHOOK_SECRET="s3cret_token-1",
            TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
            TELEGRAM_WEBHOOK_PORT=str(port),
        ) as (tg, rasa, _):
            assert tg.webhook["url"] == f"http://127.0.0.1:{port}/telegram/hook"
            assert tg.webhook["secret_token"] == "s3cret_token-1"
            forged = {
                "update_id": 999,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": STAFF, "type": "private", "first_name": "x"},
                    "from": tg.user(STAFF),
                    "text": "forged",
                },
            }
            async with httpx.AsyncClient() as client:
                response = await client.post(tg.webhook["url"], json=forged)
            assert response.status_code == 403
            tg.send_text(tg.user(STAFF), "via webhook")  # the fake POSTs it with the secret
            [message] = await tg.wait_for_messages(STAFF, 1)
            assert message["text"] == "echo: via webhook"
            assert rasa.messages_from(STAFF) == ["via webhook"]

    run(scenario())


def test_python_m_bot_runs_and_never_logs_the_token(tmp_path: Path) -> None:
    """The real entry point, at DEBUG level: the token must not appear in its output."""

    async def scenario() -> str:
        rasa = await FakeRasa().start()
        allow(tmp_path / "staff.db", STAFF)
        async with FakeTelegram() as tg:
            env = {
                **os.environ,
                **bridge_env(tmp_path, tg, rasa.url),
                "LOG_LEVEL": "DEBUG",
                "PYTHONPATH": str(ROOT),
            }
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            try:
                tg.send_text(tg.user(STAFF), "hello from a real process")
                [message] = await tg.wait_for_messages(STAFF, 1, timeout=120)
                assert message["text"] == "echo: hello from a real process"
            finally:
                process.send_signal(signal.SIGINT)
                output, _ = await asyncio.wait_for(process.communicate(), 60)
            assert process.returncode == 0, output.decode()
        await rasa.stop()
        return output.decode()

    output = asyncio.run(scenario())
    assert "bridge ready" in output
    assert DEFAULT_TOKEN not in output
    assert DEFAULT_TOKEN.split(":", 1)[1] not in output


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- with the real coach (fixture rasa_url from conftest.py) ----------------------------------

RETURNS_QUESTION = "how should I handle a return when the customer lost the receipt?"
ARABIC_QUESTION = "عميل يصرخ علي لأن طلبه تأخر، ماذا أفعل"


def direct(rasa_url: str, message: str, sender: str, language: str) -> Reply:
    """The same exchange straight over the REST channel, to compare with what the bridge sent."""
    body = {"sender": sender, "message": message, "metadata": {"language": language}}
    response = httpx.post(f"{rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
    response.raise_for_status()
    return response.json()


def test_real_coach_answers_with_buttons_and_follows_up(
    tmp_path: Path, rasa_url: str, playbook: Any
) -> None:
    expected = direct(rasa_url, RETURNS_QUESTION, "direct-returns", "en")
    payloads = [b["payload"] for r in expected for b in r.get("buttons") or []]
    assert "/followup_say" in payloads

    async def scenario() -> None:
        async with bridge_to(tmp_path, rasa_url) as (tg, _):
            user = tg.user(STAFF, language_code="en")
            tg.send_text(user, RETURNS_QUESTION)
            await tg.wait_until(
                lambda: len(tg.sent_messages(STAFF)) >= len(expected), what="coach replies"
            )
            messages = tg.sent_messages(STAFF)
            text = "\n".join(visible(m) for m in messages)
            assert playbook.topic("returns").advice("en").headline in text
            assert TEXTS.get("unavailable", "en") not in text
            keyboards = [data for m in messages for data in keyboard_data(m)]
            assert keyboards == payloads
            with_button = next(m for m in messages if "/followup_say" in keyboard_data(m))
            press = tg.press_button(user, with_button, "/followup_say")
            await tg.wait_until(lambda: len(tg.sent_messages(STAFF)) > len(messages))
            await tg.wait_until(lambda: press["callback_query"]["id"] in tg.callback_answers)
            follow_up = "\n".join(visible(m) for m in tg.sent_messages(STAFF)[len(messages) :])
            assert playbook.topic("returns").advice("en").say[0] in follow_up

    run(scenario())


def test_real_coach_answers_an_arabic_question_in_arabic(
    tmp_path: Path, rasa_url: str, playbook: Any
) -> None:
    async def scenario() -> None:
        async with bridge_to(tmp_path, rasa_url) as (tg, _):
            tg.send_text(tg.user(STAFF, language_code="ar"), ARABIC_QUESTION)
            headline = playbook.topic("complaints").advice("ar").headline
            await tg.wait_until(
                lambda: any(headline in visible(m) for m in tg.sent_messages(STAFF)),
                what="the Arabic headline",
            )

    run(scenario())


# --- units ------------------------------------------------------------------------------------


def test_every_text_exists_in_all_five_languages() -> None:
    assert TEXTS.missing_translations() == []
    for language in SUPPORTED_LANGUAGES:
        for command, description in TEXTS.command_descriptions(language, admin=True):
            assert re.fullmatch(r"[a-z0-9_]{1,32}", command) and 1 <= len(description) <= 256


def test_pop_up_texts_fit_telegrams_200_characters() -> None:
    for language in SUPPORTED_LANGUAGES:
        assert len(TEXTS.get("refused", language, user_id=9_999_999_999)) <= 200
        assert len(TEXTS.get("button_expired", language)) <= 200


def test_language_choice_prefers_the_users_pick_then_telegram_then_english() -> None:
    assert pick_language("et", "ru") == "et"
    assert pick_language(None, "ru-RU") == "ru"
    assert pick_language(None, "pt-br") == "en"
    assert pick_language(None, None) == "en"


def test_split_text_prefers_line_breaks_and_counts_utf16() -> None:
    assert split_text("short") == ["short"]
    assert split_text("   ") == []
    lines = ["a" * 3000, "b" * 3000, "c" * 100]
    assert split_text("\n".join(lines)) == ["a" * 3000, "b" * 3000 + "\n" + "c" * 100]
    emoji = "😀" * 3000  # 6000 UTF-16 units, no spaces or line breaks
    pieces = split_text(emoji)
    assert "".join(pieces) == emoji and all(utf16_len(p) <= 4096 for p in pieces)
    words = "word " * 2000
    assert all(p.endswith(" ") or p == pieces[-1] for p in split_text(words))


def test_escape_and_payload_store() -> None:
    assert escape('<b>"&"</b>') == '&lt;b&gt;"&amp;"&lt;/b&gt;'
    store = PayloadStore()
    assert store.encode("/followup_say") == "/followup_say"
    long = "/x" + "y" * 100
    key = store.encode(long)
    assert len(key.encode()) <= 64 and store.decode(key) == long
    assert PayloadStore().decode(key) is None  # forgotten, e.g. after a restart


def test_settings_come_from_the_environment_and_fail_clearly() -> None:
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": "1:abc",
            "TELEGRAM_ADMIN_IDS": "1, 2,3",
            "TELEGRAM_BASE_URL": "http://localhost:8081/bot/",
        }
    )
    assert settings.admin_ids == {1, 2, 3}
    assert settings.api_url == "http://localhost:8081/bot"
    assert "abc" not in repr(settings)
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN"):
        Settings.from_env({})
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET"):
        Settings.from_env(
            {
                "TELEGRAM_BOT_TOKEN": "1:abc",
                "TELEGRAM_MODE": "webhook",
                "TELEGRAM_WEBHOOK_URL": "https://example.org/hook",
            }
        )
    with pytest.raises(SettingsError, match="TELEGRAM_ADMIN_IDS"):
        Settings.from_env({"TELEGRAM_BOT_TOKEN": "1:abc", "TELEGRAM_ADMIN_IDS": "alice"})


def test_the_token_is_masked_in_any_log_record() -> None:
    token = "123:SECRET-token"
    masking = log_safety.TokenMaskingFilter(token)
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "POST %s", (f"https://x/bot{token}/getMe",), None
    )
    assert masking.filter(record) and token not in record.getMessage()
    try:
        raise RuntimeError(f"failed https://x/bot{token}/getUpdates")
    except RuntimeError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "oops", (), sys.exc_info())
    masking.filter(record)
    assert token not in logging.Formatter().format(record)
