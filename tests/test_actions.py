"""The custom actions, run with real rasa_sdk Tracker and CollectingDispatcher objects."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Tuple

import pytest
from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

from actions import actions as coach_actions
from actions.answer import MAX_MESSAGE_CHARS
from tests.conftest import make_tracker


def run(action: Action, **changes: Any) -> Tuple[List[Dict[str, Any]], Dict[str, Any]]:
    """Run an action; return what it sent and the slots it set."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, make_tracker(**changes), {}))
    slots = {event["name"]: event["value"] for event in events if event.get("event") == "slot"}
    return dispatcher.messages, slots


def all_text(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(message["text"] or "" for message in messages)


def payloads(messages: List[Dict[str, Any]]) -> List[str]:
    return [button["payload"] for message in messages for button in message.get("buttons") or []]


def test_coaching_question_answers_from_the_topic_and_sets_slots(playbook) -> None:
    messages, slots = run(coach_actions.ActionCoach(), intent="coach_returns",
                          text="a lady wants to bring back a dress but lost the receipt")
    advice = playbook.topic("returns").advice("en")
    text = all_text(messages)
    assert advice.headline in text and advice.say[0] in text and advice.why in text
    for citation in playbook.topic("returns").citations:
        assert citation in text
    assert slots == {"language": "en", "topic": "returns"}
    assert "/followup_say" in payloads(messages)
    assert all(len(message["text"]) <= MAX_MESSAGE_CHARS for message in messages)


@pytest.mark.parametrize("language,text", [
    ("ru", "клиент кричит на меня из-за сломанного чайника"),
    ("ro", "un client țipă la mine pentru că fierbătorul e stricat"),
    ("et", "klient karjub minu peale katkise veekeetja pärast"),
    ("ar", "العميل يصرخ في وجهي بسبب الغلاية المكسورة"),
])
def test_answer_comes_in_the_language_of_the_question(playbook, language, text) -> None:
    messages, slots = run(coach_actions.ActionCoach(), intent="coach_complaints", text=text)
    assert playbook.topic("complaints").advice(language).headline in all_text(messages)
    assert slots == {"language": language, "topic": "complaints"}


def test_follow_up_uses_the_current_topic(playbook) -> None:
    messages, slots = run(coach_actions.ActionFollowUp(), intent="followup_say",
                          text="what exactly should I say?", slots={"topic": "mistake_recovery", "language": "en"})
    text = all_text(messages)
    for phrase in playbook.topic("mistake_recovery").advice("en").say:
        assert phrase in text
    assert "topic" not in slots and slots["language"] == "en"
    assert "/followup_say" not in payloads(messages)


def test_button_press_keeps_the_conversation_language(playbook) -> None:
    messages, slots = run(coach_actions.ActionFollowUp(), intent="followup_why", text="/followup_why",
                          slots={"topic": "phone", "language": "ro"})
    assert playbook.topic("phone").advice("ro").why in all_text(messages)
    assert slots["language"] == "ro"


def test_follow_up_more_offers_related_topics(playbook) -> None:
    messages, _ = run(coach_actions.ActionFollowUp(), intent="followup_more", text="tell me more",
                      slots={"topic": "waiting", "language": "en"})
    assert [f"/coach_{t}" for t in playbook.topic("waiting").related] == payloads(messages)[:-1]


def test_follow_up_without_a_topic_offers_the_topics(playbook) -> None:
    messages, _ = run(coach_actions.ActionFollowUp(), intent="followup_why", text="why does it matter?")
    assert all_text(messages) == playbook.locale("en").texts["no_topic"]
    assert len(payloads(messages)) == len(playbook.topics)


def test_short_message_uses_the_channel_hint(playbook) -> None:
    messages, slots = run(coach_actions.ActionGreet(), intent="greet", text="hi", metadata={"language": "et-EE"})
    assert all_text(messages) == playbook.locale("et").texts["greet"]
    assert slots == {"language": "et"}


def test_explicit_language_switch_wins_over_the_text(playbook) -> None:
    messages, slots = run(coach_actions.ActionSetLanguage(), intent="set_language", text="please speak Estonian",
                          entities=[{"entity": "language", "value": "Estonian"}])
    assert slots == {"language": "et"}
    assert all_text(messages) == playbook.locale("et").texts["language_set"]


def test_language_switch_without_a_language_offers_the_five(playbook) -> None:
    messages, _ = run(coach_actions.ActionSetLanguage(), intent="set_language", text="change the language")
    assert payloads(messages) == [f'/set_language{{"language":"{code}"}}' for code in ("en", "ru", "ro", "et", "ar")]


def test_out_of_scope_leaves_the_topic_empty(playbook) -> None:
    messages, slots = run(coach_actions.ActionOutOfScope(), intent="out_of_scope",
                          text="what will the weather be like tomorrow in Tallinn?")
    assert "topic" not in slots
    assert all_text(messages) == playbook.locale("en").texts["out_of_scope"]


def test_help_lists_every_topic_as_a_button(playbook) -> None:
    messages, _ = run(coach_actions.ActionHelp(), intent="help", text="что ты умеешь?")
    assert payloads(messages) == [f"/coach_{t}" for t in playbook.topics]
    assert messages[-1]["buttons"][0]["title"] == playbook.topic("service_basics").advice("ru").title


def test_unclear_question_offers_topics_instead_of_guessing(playbook) -> None:
    messages, slots = run(coach_actions.ActionRetrievalFallback(), intent="nlu_fallback",
                          text="she has no receipt and wants her money back for the dress")
    offered = payloads(messages)
    assert "/coach_returns" in offered[:3]
    assert "topic" not in slots
    assert all_text(messages) == playbook.locale("en").texts["fallback_offer"]


def test_empty_message_gets_a_friendly_reply(playbook) -> None:
    messages, _ = run(coach_actions.ActionRetrievalFallback(), intent="nlu_fallback", text="   ")
    assert all_text(messages) == playbook.locale("en").texts["empty"]


def test_five_thousand_characters_get_a_bounded_reply() -> None:
    text = ("The customer says the parcel never arrived and nobody answered her emails. " * 70)[:5000]
    messages, _ = run(coach_actions.ActionRetrievalFallback(), intent="nlu_fallback", text=text)
    assert messages and all(len(message["text"]) <= MAX_MESSAGE_CHARS for message in messages)
    assert len(payloads(messages)) >= 2
