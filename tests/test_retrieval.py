"""The retrieval fallback: BM25 over the playbook text of each language."""
from __future__ import annotations

import pytest

from actions.playbook import LANGUAGES, TOPIC_IDS
from actions.retrieval import index_for, suggest_topics, tokenize


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_topic_headline_finds_its_topic(playbook, language) -> None:
    misses = [t for t in TOPIC_IDS
              if t not in [hit for hit, _ in index_for(language).search(playbook.topic(t).advice(language).headline)]]
    assert len(misses) <= 2, misses


def test_nothing_relevant_gives_no_suggestion() -> None:
    assert suggest_topics("xyzzy plugh qwertz", "en") == []


def test_nlu_runners_up_fill_the_remaining_places() -> None:
    ranking = [{"name": "coach_phone", "confidence": 0.3}, {"name": "greet", "confidence": 0.3},
               {"name": "coach_waiting", "confidence": 0.05}]
    assert suggest_topics("xyzzy plugh", "en", ranking) == ["phone"]


def test_tokens_are_folded_and_cut_to_a_prefix() -> None:
    assert tokenize("Returned RETURNS") == ["return", "return"]
    assert tokenize("ёжик Ежик") == ["ежик", "ежик"]
    assert tokenize("والعميل") == ["عميل"]
