"""How much latency does the Telegram bridge add, and does it lose anything under load?

    python bench/bridge_latency.py                      # against Rasa at http://127.0.0.1:5005
    python bench/bridge_latency.py --rasa-url URL       # another Rasa (REST channel enabled)
    python bench/bridge_latency.py --fake-rasa          # an in-process echo instead of Rasa

The real bridge runs as its own process (``python -m bot``, as in production) against the fake
Bot API server of tests/fake_telegram.py, so Telegram's network is taken out of the picture.

1. Latency: for each of N messages (default 200), first the direct REST round trip to Rasa is
   timed, then the same message goes through the bridge, timed from the moment the fake Telegram
   hands the update to the bridge (getUpdates answer) to the moment it receives the first
   sendMessage for it. Both use a fresh conversation, so Rasa does the same work each time. The
   difference is what the bridge adds (Bot API parsing, access check, rendering, one sendMessage).
2. Load: U users (default 50) send M messages each (default 10) at the same moment. Every
   message must reach Rasa, in order per user, and (with the echo) every reply must come back,
   in order. Lost or reordered messages are counted, and make the exit status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fake_telegram import FakeTelegram  # noqa: E402

from bot.rasa_client import parse_messages  # noqa: E402
from bot.render import PayloadStore, render  # noqa: E402
from bot.staff_registry import StaffRegistry  # noqa: E402

QUESTIONS = [
    "how should I handle a return when the customer lost the receipt?",
    "a customer is shouting at me because his order is late, what do I do",
    "what do I say when I have to put someone on hold?",
    "покупатель орет на меня из-за опоздавшего заказа, что делать",
    "un client țipă la mine pentru că i-a întârziat comanda, ce fac",
    "klient karjub minu peale, sest tema tellimus hilineb, mida teha",
    "عميل يصرخ علي لأن طلبه تأخر، ماذا أفعل",
    "hi",
]


# --- an echo REST channel, for measuring the bridge alone -----------------------------------


async def start_echo_rasa() -> tuple[web.AppRunner, str]:
    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response(
            [{"recipient_id": body["sender"], "text": f"echo: {body['message']}"}]
        )

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


# --- measuring ----------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    samples_ms: list[float]

    def cells(self) -> list[str]:
        if not self.samples_ms:
            return [self.label, "0", "-", "-", "-", "-"]
        ordered = sorted(self.samples_ms)
        return [
            self.label,
            str(len(ordered)),
            f"{percentile(ordered, 50):.1f}",
            f"{percentile(ordered, 95):.1f}",
            f"{statistics.fmean(ordered):.1f}",
            f"{ordered[-1]:.1f}",
        ]


def percentile(ordered: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)

    def fmt(row: list[str]) -> str:
        return "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        )

    print(fmt(header))
    print(line)
    for row in rows:
        print(fmt(row))


async def direct_round_trip(
    client: httpx.AsyncClient, rasa_url: str, sender: str, text: str
) -> float:
    body = {"sender": sender, "message": text, "metadata": {"language": "en", "channel": "bench"}}
    started = time.perf_counter()
    response = await client.post(f"{rasa_url}/webhooks/rest/webhook", json=body)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed


def first_reply_at(tg: FakeTelegram, chat_id: int, after: float) -> float | None:
    for call in tg.calls_to("sendMessage"):
        if call.params.get("chat_id") == chat_id and call.at >= after:
            return call.at
    return None


async def via_bridge(tg: FakeTelegram, user_id: int, text: str, timeout: float) -> float:
    update = tg.send_text(tg.user(user_id), text)
    update_id = update["update_id"]
    await tg.wait_until(
        lambda: (
            update_id in tg.delivered_at
            and first_reply_at(tg, user_id, tg.delivered_at[update_id]) is not None
        ),
        timeout,
        f"the reply to update {update_id}",
    )
    delivered = tg.delivered_at[update_id]
    replied = first_reply_at(tg, user_id, delivered)
    assert replied is not None
    return replied - delivered


async def tracker_events(
    client: httpx.AsyncClient, rasa_url: str, sender: str
) -> list[dict[str, Any]] | None:
    """Rasa's record of a conversation (HTTP API, needs --enable-api); None if unavailable."""
    try:
        response = await client.get(f"{rasa_url}/conversations/{sender}/tracker")
        response.raise_for_status()
    except httpx.HTTPError:
        return None
    return response.json().get("events", [])


def turns(events: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(user text, Telegram messages the bridge sends for the answer), per user turn.

    Rasa may answer one message with several bot utterances, and the bridge may split a long
    one; counting them with the bridge's own renderer lets replies be matched to questions.
    """
    result: list[list[Any]] = []
    store = PayloadStore()
    for event in events:
        if event.get("event") == "user":
            result.append([event.get("text") or "", 0])
        elif event.get("event") == "bot" and result:
            data = event.get("data") or {}
            raw = {
                "text": event.get("text"),
                "buttons": data.get("buttons"),
                "image": data.get("image"),
            }
            for message in parse_messages([raw]):
                result[-1][1] += len(render(message, encode=store.encode, buttons_only_text="-"))
    return [(text, count) for text, count in result]


def message_times(tg: FakeTelegram, chat_ids: set[int]) -> dict[int, list[tuple[str, float]]]:
    """(visible text, arrival time) of every sendMessage, per chat, in order."""
    times: dict[int, list[tuple[str, float]]] = {chat_id: [] for chat_id in chat_ids}
    for call in tg.calls_to("sendMessage"):
        chat_id = call.result["chat"]["id"]
        if chat_id in times:
            times[chat_id].append((call.result["text"], call.at))
    return times


# --- the run --------------------------------------------------------------------------------


async def start_bridge(
    tg: FakeTelegram, rasa_url: str, staff_db: Path, log_path: Path, max_rate: str
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_BASE_URL": tg.base_url,
        "RASA_URL": rasa_url,
        "STAFF_DB": str(staff_db),
        "TELEGRAM_MAX_RATE": max_rate,
        "RASA_TIMEOUT": "60",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("TELEGRAM_MODE", None)
    log = log_path.open("wb")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=ROOT, env=env, stdout=log, stderr=log
    )


async def bench(args: argparse.Namespace) -> int:
    echo_runner = None
    if args.fake_rasa:
        echo_runner, rasa_url = await start_echo_rasa()
    else:
        rasa_url = args.rasa_url.rstrip("/")
    run_id = random.randrange(10**6, 10**7)
    latency_users = [run_id * 1000 + i for i in range(args.messages)]
    load_users = [(run_id + 1) * 1000 + i for i in range(args.users)]
    rows: list[Row] = []
    lost = reordered = 0
    total, wall = args.users * args.per_user, 0.0

    with tempfile.TemporaryDirectory(prefix="bridge-bench-") as tmp:
        staff_db = Path(tmp) / "staff.db"
        registry = StaffRegistry.open(staff_db)
        for user_id in latency_users + load_users + [run_id * 1000 - 1]:
            registry.allow(user_id)
        registry.close()

        async with FakeTelegram() as tg, httpx.AsyncClient(timeout=120, trust_env=False) as client:
            bridge = await start_bridge(
                tg, rasa_url, staff_db, Path(tmp) / "bridge.log", args.max_rate
            )
            try:
                await tg.wait_until(
                    lambda: bool(tg.calls_to("getUpdates")) or bridge.returncode is not None,
                    120,
                    "the bridge to start",
                )
                if bridge.returncode is not None:
                    print((Path(tmp) / "bridge.log").read_text(errors="replace"), file=sys.stderr)
                    return 1
                # Warm-up: connections, Rasa's first-message costs, Python's lazy imports.
                for n in range(3):
                    await direct_round_trip(client, rasa_url, f"bench-warmup-{run_id}-{n}", "hi")
                    await via_bridge(tg, run_id * 1000 - 1, "hi", args.timeout)

                print(f"Latency: {args.messages} messages, one at a time ...", flush=True)
                direct_ms, bridge_ms, added_ms = [], [], []
                for i, user_id in enumerate(latency_users):
                    text = QUESTIONS[i % len(QUESTIONS)]
                    direct = await direct_round_trip(
                        client, rasa_url, f"bench-direct-{run_id}-{i}", text
                    )
                    through = await via_bridge(tg, user_id, text, args.timeout)
                    direct_ms.append(direct * 1000)
                    bridge_ms.append(through * 1000)
                    added_ms.append((through - direct) * 1000)
                rows += [
                    Row("direct REST round trip", direct_ms),
                    Row("via the bridge (update -> sendMessage)", bridge_ms),
                    Row("added by the bridge", added_ms),
                ]

                print(
                    f"Load: {args.users} users x {args.per_user} messages at once ...", flush=True
                )
                before = tg.answered.get("sendMessage", 0)
                sent: dict[int, list[str]] = {u: [] for u in load_users}
                update_user: dict[int, int] = {}
                update_text: dict[int, str] = {}
                started = time.perf_counter()
                for n in range(args.per_user):
                    for user_id in load_users:
                        text = f"{QUESTIONS[(user_id + n) % len(QUESTIONS)]} #{n}"
                        update = tg.send_text(tg.user(user_id), text)
                        sent[user_id].append(text)
                        update_user[update["update_id"]] = user_id
                        update_text[update["update_id"]] = text

                users = set(load_users)
                first_reply: dict[tuple[int, str], float] = {}
                arrived: dict[int, list[str]] = {}
                if args.fake_rasa:
                    await tg.wait_until(
                        lambda: tg.answered.get("sendMessage", 0) - before >= total,
                        args.timeout * 10,
                        f"{total} replies",
                    )
                    wall = time.perf_counter() - started
                    for user_id, replies in message_times(tg, users).items():
                        arrived[user_id] = [text.removeprefix("echo: ") for text, _ in replies]
                        for text, at in replies:
                            first_reply.setdefault((user_id, text.removeprefix("echo: ")), at)
                else:
                    # Done when Rasa has every message and the bridge has sent every reply.
                    deadline = time.perf_counter() + args.timeout * 10
                    while True:
                        sent_times = message_times(tg, users)
                        recorded = {}
                        for user_id in load_users:
                            events = await tracker_events(client, rasa_url, str(user_id)) or []
                            recorded[user_id] = turns(events)
                        if all(
                            len(recorded[u]) >= args.per_user
                            and len(sent_times[u]) >= sum(count for _, count in recorded[u])
                            for u in load_users
                        ):
                            break
                        if time.perf_counter() > deadline:
                            print("load: gave up waiting; counting what arrived", file=sys.stderr)
                            break
                        await asyncio.sleep(1.0)
                    wall = (
                        max(
                            (at for replies in sent_times.values() for _, at in replies),
                            default=started,
                        )
                        - started
                    )
                    for user_id in load_users:
                        arrived[user_id] = [text for text, _ in recorded[user_id]]
                        index = 0
                        for text, count in recorded[user_id]:
                            if count and index < len(sent_times[user_id]):
                                first_reply[(user_id, text)] = sent_times[user_id][index][1]
                            index += count

                load_ms = []
                for update_id, user_id in update_user.items():
                    text = update_text[update_id]
                    answered_at = first_reply.get((user_id, text))
                    if answered_at is not None and update_id in tg.delivered_at:
                        load_ms.append((answered_at - tg.delivered_at[update_id]) * 1000)
                rows.append(Row(f"under load ({args.users} users at once)", load_ms))

                for user_id in load_users:
                    expected = sent[user_id]
                    got = arrived.get(user_id, [])
                    lost += sum(1 for text in expected if text not in got)
                    in_arrival = [text for text in got if text in expected]
                    reordered += int(in_arrival != [t for t in expected if t in got])
            finally:
                if bridge.returncode is None:
                    bridge.send_signal(signal.SIGINT)
                    try:
                        await asyncio.wait_for(bridge.wait(), 30)
                    except asyncio.TimeoutError:
                        bridge.kill()
                        await bridge.wait()
        if echo_runner is not None:
            await echo_runner.cleanup()

    target = "in-process echo (--fake-rasa)" if args.fake_rasa else rasa_url
    print()
    print(f"Telegram bridge latency, fake Bot API, Rasa: {target}")
    print_table([r.cells() for r in rows], ["measurement (ms)", "n", "p50", "p95", "mean", "max"])
    print()
    throughput = total / wall if wall > 0 else 0.0
    print(
        f"load: {total} messages from {args.users} users, lost {lost}, users with reordered "
        f"messages {reordered}, wall {wall:.2f} s, {throughput:.0f} messages/s"
    )
    return 1 if lost or reordered else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--rasa-url", default="http://127.0.0.1:5005", help="Rasa base URL")
    target.add_argument("--fake-rasa", action="store_true", help="use an in-process echo")
    parser.add_argument("--messages", type=int, default=200, help="latency samples (200)")
    parser.add_argument("--users", type=int, default=50, help="concurrent users (50)")
    parser.add_argument("--per-user", type=int, default=10, help="messages per user (10)")
    parser.add_argument(
        "--max-rate",
        default="0",
        help="TELEGRAM_MAX_RATE for the bridge; 0 (default) measures the bridge, not the pacing",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="per-reply deadline, s")
    args = parser.parse_args(argv)
    return asyncio.run(bench(args))


if __name__ == "__main__":
    sys.exit(main())
