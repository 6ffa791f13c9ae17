"""Client for the coach's Rasa REST channel (``POST /webhooks/rest/webhook``).

Every failure mode of Rasa (connection refused, HTTP error, malformed JSON, too slow) is turned
into one exception, RasaUnavailable, so the Telegram side has a single thing to handle: tell the
user to try again in a minute, and carry on. One pooled HTTP client is shared by all users; a
fresh request per message means the bridge recovers by itself as soon as Rasa is back.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

REST_WEBHOOK_PATH = "/webhooks/rest/webhook"


class RasaUnavailable(Exception):
    """Rasa could not answer in time; ``reason`` is safe to log (it never holds user text)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class BotMessage:
    """One bot message from the REST channel; ``text`` is plain text, never markup."""

    text: str
    buttons: tuple[Button, ...] = ()
    image: str | None = None


class RasaClient:
    """Sends one user message to Rasa and returns the bot's replies."""

    def __init__(
        self,
        base_url: str,
        timeout: float,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._timeout = timeout
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout),
            # Rasa runs next to the bridge; a proxy configured for the outside world must not
            # capture this traffic.
            trust_env=False,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(self, sender: str, message: str, language: str | None) -> list[BotMessage]:
        """Forward ``message`` for conversation ``sender``; raise RasaUnavailable on any failure.

        httpx timeouts apply per phase (connect, read, ...), so a server that trickles bytes could
        exceed RASA_TIMEOUT in total; the outer wait_for caps the whole exchange.
        """
        metadata: dict[str, str] = {"channel": "telegram"}
        if language:
            metadata["language"] = language
        body = {"sender": sender, "message": message, "metadata": metadata}
        try:
            response = await asyncio.wait_for(
                self._client.post(REST_WEBHOOK_PATH, json=body), self._timeout
            )
        except asyncio.TimeoutError:
            raise RasaUnavailable(f"no answer within {self._timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise RasaUnavailable(type(exc).__name__) from None
        if response.status_code != 200:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise RasaUnavailable("response is not JSON") from None
        if not isinstance(data, list):
            raise RasaUnavailable("response is not a JSON list")
        return parse_messages(data)


def parse_messages(data: list[Any]) -> list[BotMessage]:
    """Keep what Telegram can show (text, buttons, image links); skip anything else quietly.

    Rasa may also emit ``custom`` or ``attachment`` payloads meant for other channels; those are
    not an error, just not for us.
    """
    messages = []
    for item in data:
        if not isinstance(item, dict):
            continue
        text = item.get("text")
        text = text if isinstance(text, str) else ""
        image = item.get("image") if isinstance(item.get("image"), str) else None
        buttons = tuple(
            Button(title=str(b.get("title") or b.get("payload")), payload=b["payload"])
            for b in item.get("buttons") or ()
            if isinstance(b, dict) and isinstance(b.get("payload"), str) and b["payload"]
        )
        if text or buttons or image:
            messages.append(BotMessage(text=text, buttons=buttons, image=image))
    return messages
