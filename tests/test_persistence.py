"""Conversations live in the SQL tracker store: a restart of everything keeps language and topic."""
from __future__ import annotations

from tests.conftest import start_stack
from tests.test_rest_api import Conversation, text_of


def test_restart_keeps_each_users_language_and_topic(tmp_path, playbook) -> None:
    stack = start_stack(tmp_path)
    try:
        chat = Conversation(stack.rasa_url, sender="persistent-staff")
        chat.say("клиент хочет вернуть куртку без чека, что делать")
        before = chat.slots()
    finally:
        stack.stop()
    assert (before["language"], before["topic"]) == ("ru", "returns")
    assert (tmp_path / "trackers.db").exists()

    stack = start_stack(tmp_path)
    try:
        chat = Conversation(stack.rasa_url, sender="persistent-staff")
        assert (chat.slots()["language"], chat.slots()["topic"]) == ("ru", "returns")
        replies = chat.say("/followup_say")
        assert playbook.topic("returns").advice("ru").say[0] in text_of(replies)
    finally:
        stack.stop()
