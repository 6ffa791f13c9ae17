"""Shared fixtures: the playbook, rasa_sdk trackers built from JSON fixtures, and a real coach.

`rasa_url` starts the real action server and `rasa run --enable-api` (through bot/stack.py, as
`make serve` does) on free ports with a throw-away tracker database, once per test session.
"""
from __future__ import annotations

import copy
import json
import socket
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
from rasa_sdk import Tracker

from actions.playbook import Playbook, get_playbook
from bot.stack import DEFAULT_MODEL, Stack

DATA = Path(__file__).parent / "data"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def playbook() -> Playbook:
    return get_playbook()


def every_message(playbook: Playbook, topic_id: str, language: str) -> list:
    """The answer card and every follow-up of one topic, as the coach would send them."""
    from actions.answer import FOLLOW_UPS, compose_answer, compose_follow_up

    messages = compose_answer(playbook, topic_id, language)
    for kind in FOLLOW_UPS:
        messages += compose_follow_up(playbook, topic_id, language, kind)
    return messages


def make_tracker(fixture: str = "tracker_base", **changes: Any) -> Tracker:
    """A real rasa_sdk Tracker from tests/data/<fixture>.json; `changes` update the
    latest message (intent=..., text=..., entities=..., metadata=...) or set `slots`."""
    state: Dict[str, Any] = json.loads((DATA / f"{fixture}.json").read_text(encoding="utf-8"))
    state = copy.deepcopy(state)
    slots = changes.pop("slots", None)
    if slots:
        state["slots"].update(slots)
    latest = state["latest_message"]
    if "intent" in changes:
        latest["intent"] = {"name": changes.pop("intent"), "confidence": 0.9}
    latest.update(changes)
    return Tracker.from_dict(state)


def start_stack(state_dir: Path) -> Stack:
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"{DEFAULT_MODEL} is missing: run `make train` (or `make test`) first")
    stack = Stack(rasa_port=free_port(), action_port=free_port(), state_dir=state_dir)
    try:
        return stack.start()
    except Exception:
        stack.stop()
        raise


@pytest.fixture(scope="session")
def coach_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = start_stack(tmp_path_factory.mktemp("coach"))
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def rasa_url(coach_stack: Stack) -> str:
    """Base URL of a running Rasa server (REST channel and HTTP API) with the trained model."""
    return coach_stack.rasa_url
