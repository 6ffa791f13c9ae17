"""Every answer and fixed text speaks one language: its own.

Citations (`huge-profit#rule-a`) and a few proper names are the only foreign fragments allowed.
"""
from __future__ import annotations

import re

import pytest

from actions.answer import LRM, RLM
from actions.language import detect_language
from actions.playbook import LANGUAGES, TOPIC_IDS
from tests.conftest import every_message

CITATION = re.compile(r"[a-z-]+#[\w-]+")
PROPER_NAMES = re.compile(r"Harris Interactive|Home Depot|Comcast|Telegram|WhatsApp|Facebook|Instagram|FAQ|SMS|"
                          r"English|Русский|Română|Eesti|العربية", re.IGNORECASE)
FOREIGN_SCRIPT = {
    "en": re.compile(r"[\u0400-\u04FF\u0600-\u06FF]"),
    "ro": re.compile(r"[\u0400-\u04FF\u0600-\u06FF]"),
    "et": re.compile(r"[\u0400-\u04FF\u0600-\u06FF]"),
    "ru": re.compile(r"[A-Za-z\u0600-\u06FF]"),
    "ar": re.compile(r"[A-Za-z\u0400-\u04FF]"),
}


def _clean(text: str) -> str:
    return PROPER_NAMES.sub("", CITATION.sub("", text.replace(LRM, "").replace(RLM, "")))


@pytest.mark.parametrize("language", LANGUAGES)
def test_answers_hold_no_other_script(playbook, language) -> None:
    for topic_id in TOPIC_IDS:
        for message in every_message(playbook, topic_id, language):
            texts = [message["text"], *(b["title"] for b in message.get("buttons") or [])]
            for text in texts:
                assert not FOREIGN_SCRIPT[language].search(_clean(text)), (topic_id, text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sentence_of_advice_is_detected_as_its_own_language(playbook, language) -> None:
    wrong = []
    for topic in playbook.topics.values():
        advice = topic.advice(language)
        for sentence in [advice.headline, *advice.do, *advice.say, *advice.avoid, advice.why]:
            if len(sentence.split()) >= 6 and detect_language(_clean(sentence)) not in (language, None):
                wrong.append(f"{topic.id}: {sentence}")
    assert not wrong


@pytest.mark.parametrize("language", LANGUAGES)
def test_fixed_texts_are_in_their_own_language(playbook, language) -> None:
    locale = playbook.locale(language)
    for key, text in {**locale.texts, **locale.sections, **locale.buttons}.items():
        if key == "language_unknown":
            continue  # it names the five languages, each in its own script
        assert not FOREIGN_SCRIPT[language].search(_clean(text)), key
        if len(text.split()) >= 6:
            assert detect_language(_clean(text)) in (language, None), key
