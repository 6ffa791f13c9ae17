"""Packing answers into phone-sized messages, and right-to-left text."""
from __future__ import annotations

from actions.answer import LRM, RLM, bidi, compose_answer, pack


def test_pack_splits_between_sections_and_never_truncates() -> None:
    sections = ["a" * 500, "b" * 300, "c" * 300]
    messages = pack(sections, limit=900)
    assert messages == ["a" * 500 + "\n\n" + "b" * 300, "c" * 300]


def test_a_section_longer_than_a_message_is_split_between_words() -> None:
    section = " ".join(["word"] * 400)
    messages = pack([section], limit=100)
    assert all(len(m) <= 100 for m in messages)
    assert " ".join(messages).split() == section.split()


def test_arabic_lines_are_marked_right_to_left_and_latin_runs_isolated() -> None:
    text = bidi("المصدر: huge-profit#countable.\nسطر ثان", "ar")
    first, second = text.split("\n")
    assert first.startswith(RLM) and second.startswith(RLM)
    assert f"{LRM}huge-profit#countable.{LRM}" in first or f"{LRM}huge-profit#countable{LRM}" in first


def test_other_languages_are_left_alone() -> None:
    assert bidi("Sources: huge-profit#countable", "en") == "Sources: huge-profit#countable"


def test_arabic_answer_keeps_its_citations_readable(playbook) -> None:
    messages = compose_answer(playbook, "phone", "ar")
    text = "".join(m["text"] for m in messages).replace(LRM, "").replace(RLM, "")
    for citation in playbook.topic("phone").citations:
        assert citation in text
