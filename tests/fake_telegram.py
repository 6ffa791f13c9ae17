"""A small fake Telegram Bot API server for offline tests and benchmarks.

The bridge talks to it over real HTTP through TELEGRAM_BASE_URL, exactly as it talks to
api.telegram.org: ``/bot<token>/<method>``, form-encoded or JSON parameters, answers shaped as the
Bot API documents them (``{"ok": true, "result": ...}``, or ``{"ok": false, "error_code": ...,
"description": ...}`` with the same HTTP status; dates in Unix seconds). Tests queue updates
(messages, edited messages, button presses, stickers...), which are served by long-polling
getUpdates, or POSTed to the bot when a webhook is set, and every call the bot makes is recorded.

It is strict where Telegram is strict, so that a bug shows up here rather than in production:
HTML must parse with Telegram's tag set and escaping rules, texts are 1-4096 characters after
entity parsing (counted in UTF-16), callback_data is 1-64 bytes, callback queries are answered
once, edits must change something.

This is a plain module, not a conftest, so a benchmark can use it as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

DEFAULT_TOKEN = "123456789:AAFakeTokenForOfflineTests_ServiceCoach"
DEFAULT_USERNAME = "servicecoach_test_bot"

# Parameters whose form-encoded value is JSON (python-telegram-bot json-encodes non-strings).
_JSON_PARAMS = {
    "reply_markup",
    "reply_parameters",
    "entities",
    "commands",
    "scope",
    "allowed_updates",
    "link_preview_options",
}
_INT_PARAMS = {"chat_id", "message_id", "offset", "limit", "timeout", "user_id", "cache_time"}
_BOOL_PARAMS = {
    "show_alert",
    "drop_pending_updates",
    "disable_notification",
    "protect_content",
    "allow_sending_without_reply",
}
_CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
_HTML_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
_TOKEN_RE = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*)?)>|&(#[0-9]+|#x[0-9A-Fa-f]+|lt|gt|amp|quot);"
)
_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?")
_MENTION_RE = re.compile(r"@[A-Za-z0-9_]{5,32}")
_BOT_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_MAX_TEXT = 4096


class ApiError(Exception):
    """An error answer of the Bot API (status code = error_code, as Telegram does)."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class ApiCall:
    """One request the bot made: method, decoded parameters, when, and how it was answered."""

    method: str
    params: dict[str, Any]
    at: float  # time.perf_counter() when the request arrived
    status: int = 0  # 0 while being answered, then the HTTP status of the answer
    result: Any = None


@dataclass
class _Failure:
    code: int
    description: str
    retry_after: int | None
    remaining: int


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> str:
    """Telegram's HTML parse mode: the visible text, or ApiError like Telegram's.

    Every "<" must open or close a supported tag, every "&" must start an entity, and ">" must be
    escaped as well (the Bot API documents all three).
    """
    plain: list[str] = []
    stack: list[str] = []
    position = 0
    for match in _TOKEN_RE.finditer(text):
        plain.append(_check_plain(text[position : match.start()], position))
        position = match.end()
        if match.group(4) is not None:
            plain.append(html.unescape(match.group(0)))
            continue
        closing, tag = match.group(1), match.group(2).lower()
        offset = len(text[: match.start()].encode("utf-8"))
        if tag not in _HTML_TAGS:
            raise ApiError(
                400,
                f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}" at byte offset'
                f" {offset}",
            )
        if closing:
            if not stack or stack[-1] != tag:
                raise ApiError(
                    400,
                    "Bad Request: can't parse entities: Unexpected end tag at byte offset "
                    f"{offset}",
                )
            stack.pop()
        else:
            stack.append(tag)
    plain.append(_check_plain(text[position:], position))
    if stack:
        raise ApiError(
            400,
            f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag"
            f' "{stack[-1]}"',
        )
    return "".join(plain)


def _check_plain(segment: str, start: int) -> str:
    for index, char in enumerate(segment):
        offset = start + index
        if char == "&":
            raise ApiError(
                400,
                "Bad Request: can't parse entities: Can't find end of the entity starting at "
                f"byte offset {offset}",
            )
        if char in "<>":
            raise ApiError(
                400,
                f'Bad Request: can\'t parse entities: Unexpected "{char}" at byte offset {offset}',
            )
    return segment


class FakeTelegram:
    """The fake server: ``async with FakeTelegram() as tg:``, then point the bot at tg.base_url."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = DEFAULT_USERNAME,
        first_name: str = "ServiceCoach",
    ) -> None:
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        self.calls: list[ApiCall] = []
        self.answered: dict[str, int] = {}  # method -> successful calls so far (cheap to poll)
        self.delivered_at: dict[int, float] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.webhook: dict[str, Any] = {}
        self._pending: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._callback_ids = itertools.count(1)
        self._callback_queries: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._new_updates = asyncio.Event()
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._webhook_task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    # --- life-cycle -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What to put in TELEGRAM_BASE_URL."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def username(self) -> str:
        return self.bot_user["username"]

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._session = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        self._closing = True
        self._new_updates.set()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            await asyncio.gather(self._webhook_task, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- building updates -----------------------------------------------------------------

    @staticmethod
    def user(
        user_id: int,
        first_name: str = "Staff",
        *,
        language_code: str | None = "en",
        username: str | None = None,
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code is not None:
            user["language_code"] = language_code
        if username is not None:
            user["username"] = username
        return user

    def private_chat(self, user: dict[str, Any]) -> dict[str, Any]:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        self.chats.setdefault(chat["id"], chat)
        return self.chats[chat["id"]]

    def group_chat(self, chat_id: int, title: str = "Support team") -> dict[str, Any]:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        chat = {"id": chat_id, "type": "supergroup", "title": title}
        self.chats.setdefault(chat_id, chat)
        return self.chats[chat_id]

    def _new_message(
        self, sender: dict[str, Any], chat: dict[str, Any] | None, **content: Any
    ) -> dict[str, Any]:
        chat = chat or self.private_chat(sender)
        message = {
            "message_id": self._next_message_id(chat["id"]),
            "from": sender,
            "chat": chat,
            "date": int(time.time()),
            **content,
        }
        self.messages[(chat["id"], message["message_id"])] = message
        return message

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def queue(self, update_content: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update (``update_id`` is added); returns the full update."""
        update = {"update_id": next(self._update_ids), **update_content}
        self._pending.append(update)
        self._new_updates.set()
        return update

    def send_text(
        self,
        user: dict[str, Any],
        text: str,
        *,
        chat: dict[str, Any] | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The user sends ``text``; entities are added as Telegram would (commands, mentions)."""
        content: dict[str, Any] = {"text": text}
        entities = _entities(text)
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            content["reply_to_message"] = reply_to
        message = self._new_message(user, chat, **content)
        return self.queue({"message": message})

    def edit_text(self, message: dict[str, Any], new_text: str) -> dict[str, Any]:
        """The user edits one of their messages."""
        edited = {**message, "text": new_text, "edit_date": int(time.time())}
        edited.pop("entities", None)
        if _entities(new_text):
            edited["entities"] = _entities(new_text)
        self.messages[(message["chat"]["id"], message["message_id"])] = edited
        return self.queue({"edited_message": edited})

    def send_sticker(self, user: dict[str, Any], **kw: Any) -> dict[str, Any]:
        sticker = {
            "file_id": "CAACAgIAAxkBAAFakeSticker",
            "file_unique_id": "AgADFakeSticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self.queue({"message": self._new_message(user, kw.get("chat"), sticker=sticker)})

    def send_photo(self, user: dict[str, Any], caption: str | None = None) -> dict[str, Any]:
        photo = [
            {"file_id": "AgACFakePhotoS", "file_unique_id": "AQADs", "width": 90, "height": 90},
            {"file_id": "AgACFakePhotoM", "file_unique_id": "AQADm", "width": 800, "height": 800},
        ]
        content: dict[str, Any] = {"photo": photo}
        if caption:
            content["caption"] = caption
        return self.queue({"message": self._new_message(user, None, **content)})

    def send_voice(self, user: dict[str, Any]) -> dict[str, Any]:
        voice = {
            "file_id": "AwACFakeVoice",
            "file_unique_id": "AgADvoice",
            "duration": 3,
            "mime_type": "audio/ogg",
        }
        return self.queue({"message": self._new_message(user, None, voice=voice)})

    def send_location(self, user: dict[str, Any]) -> dict[str, Any]:
        location = {"latitude": 59.437, "longitude": 24.7536}
        return self.queue({"message": self._new_message(user, None, location=location)})

    def send_document(self, user: dict[str, Any]) -> dict[str, Any]:
        document = {
            "file_id": "BQACFakeDocument",
            "file_unique_id": "AgADdoc",
            "file_name": "notes.pdf",
            "mime_type": "application/pdf",
        }
        return self.queue({"message": self._new_message(user, None, document=document)})

    def press_button(
        self, user: dict[str, Any], message: dict[str, Any], callback_data: str
    ) -> dict[str, Any]:
        """The user presses the button with ``callback_data`` on a message the bot sent."""
        buttons = [
            b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row
        ]
        if not any(b.get("callback_data") == callback_data for b in buttons):
            raise ValueError(f"no button with callback_data {callback_data!r} on that message")
        query_id = str(next(self._callback_ids) * 7919 + 4_000_000_000_000)
        current = self.messages.get((message["chat"]["id"], message["message_id"]), message)
        query = {
            "id": query_id,
            "from": user,
            "message": current,
            "chat_instance": str(-abs(hash(message["chat"]["id"]))),
            "data": callback_data,
        }
        self._callback_queries[query_id] = query
        return self.queue({"callback_query": query})

    # --- inspecting -----------------------------------------------------------------------

    def calls_to(self, method: str) -> list[ApiCall]:
        """Successfully answered calls of ``method``, in arrival order."""
        return [call for call in self.calls if call.method == method and call.status == 200]

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent (sendMessage), in arrival order, as currently stored."""
        sent = []
        for call in self.calls_to("sendMessage"):
            message = call.result
            if chat_id is None or message["chat"]["id"] == chat_id:
                sent.append(self.messages[(message["chat"]["id"], message["message_id"])])
        return sent

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Visible texts (after HTML parsing) the bot sent to ``chat_id``."""
        return [message["text"] for message in self.sent_messages(chat_id)]

    async def wait_until(
        self, condition: Callable[[], bool], timeout: float = 60.0, what: str = "condition"
    ) -> None:
        """Wait until ``condition()`` holds, re-checking after every API call.

        The timeout is a safety net against a hung test, not a performance assertion.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what}")
            self._changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))

    async def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 60.0
    ) -> list[dict[str, Any]]:
        await self.wait_until(
            lambda: len(self.sent_messages(chat_id)) >= count,
            timeout,
            f"{count} message(s) to chat {chat_id}",
        )
        return self.sent_messages(chat_id)

    def fail_next(
        self,
        method: str,
        *,
        code: int = 429,
        retry_after: int | None = 1,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error (default: 429 flood wait)."""
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}" if code == 429 else "Bad Request"
            )
        self._failures.setdefault(method, []).append(
            _Failure(code, description, retry_after if code == 429 else None, times)
        )

    # --- HTTP -----------------------------------------------------------------------------

    async def _not_found(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        call = ApiCall(method=method, params={}, at=time.perf_counter())
        self.calls.append(call)
        try:
            call.params = params = await _read_params(request)
            self._maybe_fail(method)
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(params)
        except ApiError as exc:
            call.status = exc.code
            self._changed.set()
            return web.json_response(exc.body(), status=exc.code)
        call.result = result
        call.status = 200
        self.answered[method] = self.answered.get(method, 0) + 1
        self._changed.set()
        return web.json_response({"ok": True, "result": result})

    def _maybe_fail(self, method: str) -> None:
        failures = self._failures.get(method)
        if not failures:
            return
        failure = failures[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            failures.pop(0)
        raise ApiError(failure.code, failure.description, failure.retry_after)

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        try:
            return self.chats[int(chat_id)]
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None

    # --- Bot API methods ------------------------------------------------------------------

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook.get("url"):
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        if offset:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        allowed = params.get("allowed_updates") or None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(params.get("timeout") or 0)
        while True:
            self._new_updates.clear()
            ready = [u for u in self._pending if _allowed(u, allowed)][:limit]
            remaining = deadline - loop.time()
            if ready or self._closing or remaining <= 0:
                break
            try:
                await asyncio.wait_for(self._new_updates.wait(), remaining)
            except asyncio.TimeoutError:
                break
        now = time.perf_counter()
        for update in ready:
            self.delivered_at.setdefault(update["update_id"], now)
        return ready

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params.get("chat_id"))
        text = _visible_text(params)
        markup = _check_markup(params.get("reply_markup"))
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat["id"]),
            "from": self.bot_user,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            original = self.messages.get((chat["id"], int(reply.get("message_id", 0))))
            if original is None and not reply.get("allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
            if original is not None:
                message["reply_to_message"] = original
        if markup is not None:
            message["reply_markup"] = markup
        self.messages[(chat["id"], message["message_id"])] = message
        return message

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._bot_message(params)
        text = _visible_text(params)
        markup = _check_markup(params.get("reply_markup"))
        if text == message["text"] and markup == message.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        edited = {**message, "text": text, "edit_date": int(time.time())}
        edited.pop("reply_markup", None)
        if markup is not None:
            edited["reply_markup"] = markup
        self.messages[(message["chat"]["id"], message["message_id"])] = edited
        return edited

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._bot_message(params)
        markup = _check_markup(params.get("reply_markup"))
        if markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        edited = {**message, "edit_date": int(time.time())}
        edited.pop("reply_markup", None)
        if markup is not None:
            edited["reply_markup"] = markup
        self.messages[(message["chat"]["id"], message["message_id"])] = edited
        return edited

    def _bot_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params.get("chat_id"))
        message = self.messages.get((chat["id"], int(params.get("message_id") or 0)))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id"))
        if len(str(params.get("text", ""))) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        if query_id not in self._callback_queries or query_id in self.callback_answers:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.callback_answers[query_id] = params
        return True

    async def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._chat(params.get("chat_id"))
        if params.get("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be an array of at most 100 commands")
        for command in commands:
            if not _BOT_COMMAND_RE.match(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        scope = params.get("scope") or {"type": "default"}
        if scope.get("type") == "chat":
            self._chat(scope.get("chat_id"))
        key = (json.dumps(scope, sort_keys=True), params.get("language_code") or "")
        self.commands[key] = commands
        return True

    async def _api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        scope = params.get("scope") or {"type": "default"}
        key = (json.dumps(scope, sort_keys=True), params.get("language_code") or "")
        return self.commands.get(key, [])

    async def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        self.commands.pop(
            (json.dumps(scope, sort_keys=True), params.get("language_code") or ""), None
        )
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self._stop_webhook_delivery()
        self.webhook = {}
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        if not url:
            return await self._api_deleteWebhook(params)
        self._stop_webhook_delivery()
        self.webhook = {
            "url": url,
            "secret_token": params.get("secret_token"),
            "allowed_updates": params.get("allowed_updates"),
        }
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self._webhook_task = asyncio.create_task(self._deliver_to_webhook())
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook.get("allowed_updates"):
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    async def _api_logOut(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    # --- webhook delivery -----------------------------------------------------------------

    def _stop_webhook_delivery(self) -> None:
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            self._webhook_task = None

    async def _deliver_to_webhook(self) -> None:
        """POST pending updates one by one, with the secret header, as Telegram does."""
        assert self._session is not None
        headers = {"Content-Type": "application/json"}
        if self.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
        allowed = self.webhook.get("allowed_updates") or None
        while not self._closing:
            self._new_updates.clear()
            ready = [u for u in self._pending if _allowed(u, allowed)]
            if not ready:
                await self._new_updates.wait()
                continue
            update = ready[0]
            self.delivered_at.setdefault(update["update_id"], time.perf_counter())
            try:
                async with self._session.post(
                    self.webhook["url"], data=json.dumps(update), headers=headers
                ) as response:
                    delivered = response.status == 200
            except aiohttp.ClientError:
                delivered = False
            if delivered:
                self._pending.remove(update)
            else:
                await asyncio.sleep(0.2)


def _entities(text: str) -> list[dict[str, Any]]:
    entities = []
    command = _COMMAND_RE.match(text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command.group())})
    for mention in _MENTION_RE.finditer(text):
        if command and mention.start() < command.end():
            continue
        entities.append(
            {
                "type": "mention",
                "offset": utf16_len(text[: mention.start()]),
                "length": utf16_len(mention.group()),
            }
        )
    return entities


def _allowed(update: dict[str, Any], allowed: list[str] | None) -> bool:
    if not allowed:
        return True
    return any(kind in update for kind in allowed)


def _visible_text(params: dict[str, Any]) -> str:
    text = params.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    mode = (params.get("parse_mode") or "").upper()
    if mode == "HTML":
        text = parse_html(text)
    elif mode:
        raise ApiError(400, f"Bad Request: unsupported parse_mode {mode!r} in this fake")
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if utf16_len(text) > _MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")
    return text


def _check_markup(markup: Any) -> dict[str, Any] | None:
    if markup is None:
        return None
    if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if not markup["inline_keyboard"]:
        return None  # an empty keyboard removes the keyboard
    for row in markup["inline_keyboard"]:
        for button in row:
            if not button.get("text"):
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if data is None and not button.get("url"):
                raise ApiError(400, "Bad Request: can't parse inline keyboard button")
    return markup


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Decode Bot API parameters from the query string, a form, or a JSON body."""
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                return {**params, **body}
        else:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
    decoded: dict[str, Any] = {}
    for key, value in params.items():
        if key in _JSON_PARAMS:
            try:
                decoded[key] = json.loads(value)
            except ValueError:
                raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from None
        elif key in _INT_PARAMS:
            try:
                decoded[key] = int(value)
            except ValueError:
                decoded[key] = value
        elif key in _BOOL_PARAMS:
            decoded[key] = value in ("true", "True", "1")
        else:
            decoded[key] = value
    return decoded


__all__ = ["DEFAULT_TOKEN", "ApiCall", "ApiError", "FakeTelegram", "parse_html", "utf16_len"]
