"""The playbook: every topic, field, language and citation; and the loader's refusals."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from actions.answer import MAX_MESSAGE_CHARS
from actions.playbook import LANGUAGES, ROOT, TOPIC_IDS, PlaybookError, load_playbook
from tests.conftest import every_message

SEEDS = ROOT.parent / "shared" / "seeds"
LIMITS = {"title": 32, "headline": 110, "do": 140, "say": 170, "avoid": 130, "why": 320}


def test_every_topic_has_every_field_in_every_language(playbook) -> None:
    assert set(playbook.topics) == set(TOPIC_IDS)
    for topic in playbook.topics.values():
        assert 2 <= len(topic.related) <= 4
        for language in LANGUAGES:
            advice = topic.advice(language)
            assert 2 <= len(advice.do) <= 5 and 1 <= len(advice.say) <= 3 and advice.avoid


def test_fields_fit_a_phone_screen(playbook) -> None:
    too_long = []
    for topic in playbook.topics.values():
        for language in LANGUAGES:
            advice = topic.advice(language)
            for field, limit in LIMITS.items():
                values = getattr(advice, field)
                for value in values if isinstance(values, tuple) else (values,):
                    if len(value) > limit:
                        too_long.append(f"{topic.id}:{language}.{field} ({len(value)})")
    assert not too_long


def test_every_citation_names_a_catalogued_section(playbook) -> None:
    for topic in playbook.topics.values():
        for citation in topic.citations:
            source, section = citation.split("#")
            assert section in {str(s) for s in playbook.sources[source]["sections"]}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_answer_and_follow_up_fits_in_messages_of_900_characters(playbook, language) -> None:
    for topic_id in TOPIC_IDS:
        messages = every_message(playbook, topic_id, language)
        assert all(0 < len(m["text"]) <= MAX_MESSAGE_CHARS for m in messages), topic_id


def _copy_data(tmp_path: Path) -> Path:
    for part in ("playbook", "locale"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def _edit_topic(root: Path, topic_id: str, edit) -> None:
    path = root / "playbook" / "topics" / f"{topic_id}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize("edit,message", [
    (lambda d: d["text"]["ru"].pop("avoid"), "avoid"),
    (lambda d: d["text"].pop("ar"), "missing language"),
    (lambda d: d["citations"].append("huge-profit#rule-z"), "dangling citation"),
    (lambda d: d["related"].append("weather"), "bad related topic"),
    (lambda d: d["text"]["et"].update(say=[]), "say"),
])
def test_loader_fails_loudly_on_broken_data(tmp_path, edit, message) -> None:
    root = _copy_data(tmp_path)
    _edit_topic(root, "returns", edit)
    with pytest.raises(PlaybookError, match=message):
        load_playbook(root)


def test_loader_rejects_an_unknown_topic_and_a_missing_one(tmp_path) -> None:
    root = _copy_data(tmp_path)
    (root / "playbook" / "topics" / "returns.yml").rename(root / "playbook" / "topics" / "weather.yml")
    with pytest.raises(PlaybookError):
        load_playbook(root)


def test_loader_rejects_a_locale_missing_a_text(tmp_path) -> None:
    root = _copy_data(tmp_path)
    path = root / "locale" / "et.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["texts"]["fallback_offer"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PlaybookError, match="fallback_offer"):
        load_playbook(root)


def _words(text: str):
    return re.findall(r"\w+", text.lower())


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source articles are not beside this checkout")
def test_no_sentence_is_copied_from_a_source_article() -> None:
    run = 10
    grams = set()
    for seed in SEEDS.glob("*.txt"):
        words = _words(seed.read_text(encoding="utf-8", errors="ignore"))
        grams.update(tuple(words[i:i + run]) for i in range(len(words) - run + 1))
    copied = []
    for path in [*ROOT.glob("playbook/**/*.yml"), *ROOT.glob("locale/*.yml"), *ROOT.glob("data/**/*.yml")]:
        words = _words(path.read_text(encoding="utf-8"))
        copied += [f"{path.name}: {' '.join(words[i:i + run])}" for i in range(len(words) - run + 1)
                   if tuple(words[i:i + run]) in grams]
    assert not copied
