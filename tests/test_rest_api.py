"""End to end through the HTTP API: REST channel -> NLU -> rules -> action server -> reply.

These run the real servers (fixture `rasa_url`) with the trained model, as staff reach them.
"""
from __future__ import annotations

import uuid
from typing import Any, Dict, List, Optional

import httpx
import pytest

from actions.answer import LRM, RLM

QUESTIONS = {
    "en": "a customer is shouting at me because the kettle he bought is broken, what do I do",
    "ru": "покупатель орет на меня, потому что купленный чайник сломался, что делать",
    "ro": "un client țipă la mine pentru că fierbătorul cumpărat s-a stricat, ce fac",
    "et": "klient karjub minu peale, sest ostetud veekeetja läks katki, mida teha",
    "ar": "عميل يصرخ علي لأن الغلاية التي اشتراها تعطلت، ماذا أفعل",
}


class Conversation:
    """One staff member talking to the coach over the REST channel."""

    def __init__(self, base_url: str, sender: Optional[str] = None) -> None:
        self.base_url = base_url
        self.sender = sender or f"staff-{uuid.uuid4().hex[:8]}"

    def say(self, text: str, metadata: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        body: Dict[str, Any] = {"sender": self.sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        response = httpx.post(f"{self.base_url}/webhooks/rest/webhook", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def slots(self) -> Dict[str, Any]:
        response = httpx.get(f"{self.base_url}/conversations/{self.sender}/tracker", timeout=30)
        response.raise_for_status()
        return response.json()["slots"]


def text_of(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(r.get("text") or "" for r in replies).replace(LRM, "").replace(RLM, "")


def test_question_then_what_to_say_in_the_same_topic(rasa_url, playbook) -> None:
    chat = Conversation(rasa_url)
    replies = chat.say("how should I handle a return when the customer lost the receipt?")
    assert playbook.topic("returns").advice("en").headline in text_of(replies)
    assert any(r.get("buttons") for r in replies)
    assert chat.slots()["topic"] == "returns" and chat.slots()["language"] == "en"
    replies = chat.say("ok and what exactly should I say to her?")
    assert playbook.topic("returns").advice("en").say[0] in text_of(replies)


def test_switching_topic_mid_conversation(rasa_url, playbook) -> None:
    chat = Conversation(rasa_url)
    chat.say("how should I handle a return when the customer lost the receipt?")
    replies = chat.say("and how fast should we answer the phone, after how many rings?")
    assert chat.slots()["topic"] == "phone"
    assert playbook.topic("phone").advice("en").headline in text_of(replies)
    replies = chat.say("why does that matter?")
    assert playbook.topic("phone").advice("en").why in text_of(replies)


@pytest.mark.parametrize("language", sorted(QUESTIONS))
def test_the_same_question_in_each_language_gets_the_same_advice(rasa_url, playbook, language) -> None:
    chat = Conversation(rasa_url)
    replies = chat.say(QUESTIONS[language])
    slots = chat.slots()
    assert slots["language"] == language
    assert slots["topic"] == "complaints"
    assert playbook.topic("complaints").advice(language).headline in text_of(replies)


def test_short_greeting_uses_the_channel_language_hint(rasa_url, playbook) -> None:
    chat = Conversation(rasa_url)
    replies = chat.say("hi", metadata={"language": "ru"})
    assert text_of(replies) == playbook.locale("ru").texts["greet"]


def test_out_of_scope_says_what_the_coach_covers_and_sets_no_topic(rasa_url, playbook) -> None:
    chat = Conversation(rasa_url)
    replies = chat.say("who won the football match yesterday?")
    assert text_of(replies) == playbook.locale("en").texts["out_of_scope"]
    assert chat.slots()["topic"] is None


def test_explicit_language_switch(rasa_url, playbook) -> None:
    chat = Conversation(rasa_url)
    chat.say(QUESTIONS["en"])
    replies = chat.say('/set_language{"language":"et"}')
    assert text_of(replies) == playbook.locale("et").texts["language_set"]
    replies = chat.say("/followup_say")
    assert playbook.topic("complaints").advice("et").say[0] in text_of(replies)


@pytest.mark.parametrize("text", [
    "",
    "   ",
    "x" * 5000,
    ("My customer says the delivery was late and nobody called back. " * 80)[:5000],
    "клиент wants a refund, а чека нет, what do I do",
    "‏العميل غاضب جداً!!! ماذا أقول له؟ 😡",
    "🙂🙂🙂",
])
def test_bad_input_gets_a_friendly_reply_and_the_conversation_goes_on(rasa_url, playbook, text) -> None:
    chat = Conversation(rasa_url)
    replies = chat.say(text)
    assert replies and all(r.get("text") for r in replies)
    replies = chat.say("how should I handle a return when the customer lost the receipt?")
    assert playbook.topic("returns").advice("en").headline in text_of(replies)
