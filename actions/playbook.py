"""The playbook: advice per topic and language, the source catalogue and the fixed texts.

Everything is YAML under `playbook/` and `locale/`; this module loads it once and validates it,
failing loudly at start-up rather than answering a staff member with a half-empty card.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Mapping, Tuple

import yaml

LANGUAGES: Tuple[str, ...] = ("en", "ru", "ro", "et", "ar")
DEFAULT_LANGUAGE = "en"

# The 25 topics of ../shared/coaching-topics.md: the contract with the NLU and the tests.
TOPIC_IDS: Tuple[str, ...] = (
    "service_basics", "returns", "mistake_recovery", "complaints", "waiting", "phone",
    "responsiveness", "greeting", "thanking", "attention_balance", "feeling_valued",
    "product_knowledge", "honesty", "fair_pricing", "account_priorities", "retention",
    "word_of_mouth", "service_standards", "teamwork", "empowerment", "professional_image",
    "accessibility", "courtesy", "staff_management", "self_service",
)

TEXT_FIELDS = ("title", "headline", "do", "say", "avoid", "why")
LIST_FIELDS = ("do", "say", "avoid")
ROOT = Path(os.environ.get("COACH_DATA_DIR", Path(__file__).resolve().parent.parent))


class PlaybookError(ValueError):
    """The playbook data is incomplete or inconsistent."""


@dataclass(frozen=True)
class Advice:
    """One topic's advice in one language."""

    title: str
    headline: str
    do: Tuple[str, ...]
    say: Tuple[str, ...]
    avoid: Tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Topic:
    """A coaching topic: language-neutral facts plus its advice in every language."""

    id: str
    related: Tuple[str, ...]
    citations: Tuple[str, ...]
    text: Mapping[str, Advice]

    def advice(self, language: str) -> Advice:
        return self.text[language]


@dataclass(frozen=True)
class Locale:
    """Fixed texts of one language: section headings, button labels, replies."""

    sections: Mapping[str, str]
    buttons: Mapping[str, str]
    texts: Mapping[str, str]


@dataclass(frozen=True)
class Playbook:
    topics: Mapping[str, Topic]
    sources: Mapping[str, Any]
    locales: Mapping[str, Locale]
    languages: Mapping[str, Any]

    def topic(self, topic_id: str) -> Topic:
        return self.topics[topic_id]

    def locale(self, language: str) -> Locale:
        return self.locales.get(language, self.locales[DEFAULT_LANGUAGE])


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError as error:
        raise PlaybookError(f"missing file {path}") from error


def _require_text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PlaybookError(f"{where}: missing or empty text")
    return " ".join(value.split())


def _parse_advice(raw: Any, where: str) -> Advice:
    if not isinstance(raw, dict):
        raise PlaybookError(f"{where}: expected a mapping of {', '.join(TEXT_FIELDS)}")
    unknown = set(raw) - set(TEXT_FIELDS)
    if unknown:
        raise PlaybookError(f"{where}: unknown field(s) {sorted(unknown)}")
    fields: Dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = raw.get(name)
        if name in LIST_FIELDS:
            if not isinstance(value, list) or not value:
                raise PlaybookError(f"{where}.{name}: missing or empty list")
            fields[name] = tuple(_require_text(item, f"{where}.{name}") for item in value)
        else:
            fields[name] = _require_text(value, f"{where}.{name}")
    return Advice(**fields)


def _check_citation(citation: Any, sources: Mapping[str, Any], where: str) -> str:
    if not isinstance(citation, str) or "#" not in citation:
        raise PlaybookError(f"{where}: citation {citation!r} is not `source#section`")
    source, section = citation.split("#", 1)
    sections = (sources.get(source) or {}).get("sections") or {}
    if str(section) not in {str(key) for key in sections}:
        raise PlaybookError(f"{where}: dangling citation {citation!r}")
    return citation


def _parse_topic(raw: Any, path: Path, sources: Mapping[str, Any]) -> Topic:
    where = path.name
    if not isinstance(raw, dict):
        raise PlaybookError(f"{where}: not a mapping")
    topic_id = raw.get("id")
    if topic_id not in TOPIC_IDS:
        raise PlaybookError(f"{where}: unknown topic id {topic_id!r}")
    if path.stem != topic_id:
        raise PlaybookError(f"{where}: file name does not match id {topic_id!r}")
    related = tuple(raw.get("related") or ())
    for other in related:
        if other not in TOPIC_IDS or other == topic_id:
            raise PlaybookError(f"{where}: bad related topic {other!r}")
    citations = tuple(_check_citation(c, sources, where) for c in raw.get("citations") or ())
    if not citations:
        raise PlaybookError(f"{where}: no citations")
    text = raw.get("text") or {}
    missing = [lang for lang in LANGUAGES if lang not in text]
    if missing:
        raise PlaybookError(f"{where}: missing language(s) {missing}")
    advice = {lang: _parse_advice(text[lang], f"{where}:{lang}") for lang in LANGUAGES}
    return Topic(id=topic_id, related=related, citations=citations, text=advice)


def _parse_locale(raw: Any, language: str, reference: Locale | None) -> Locale:
    where = f"locale/{language}.yml"
    if not isinstance(raw, dict):
        raise PlaybookError(f"{where}: not a mapping")
    parts = {}
    for part in ("sections", "buttons", "texts"):
        entries = raw.get(part) or {}
        expected = getattr(reference, part).keys() if reference else entries.keys()
        missing = [key for key in expected if key not in entries]
        if missing:
            raise PlaybookError(f"{where}: {part} missing {missing}")
        parts[part] = {key: _require_text(entries[key], f"{where}:{part}.{key}") for key in expected}
    return Locale(**parts)


def load_playbook(root: Path = ROOT) -> Playbook:
    """Read and validate all advice, sources and fixed texts under `root`."""
    sources = _read_yaml(root / "playbook" / "sources.yml") or {}
    for source_id, source in sources.items():
        titles = source.get("titles") or {}
        for lang in LANGUAGES:
            _require_text(titles.get(lang), f"playbook/sources.yml:{source_id}.titles.{lang}")
    topics: Dict[str, Topic] = {}
    for path in sorted((root / "playbook" / "topics").glob("*.yml")):
        topic = _parse_topic(_read_yaml(path), path, sources)
        topics[topic.id] = topic
    missing = [topic_id for topic_id in TOPIC_IDS if topic_id not in topics]
    if missing:
        raise PlaybookError(f"playbook/topics: missing topic(s) {missing}")
    topics = {topic_id: topics[topic_id] for topic_id in TOPIC_IDS}  # menus follow the contract's order
    languages = _read_yaml(root / "locale" / "languages.yml") or {}
    if sorted(languages) != sorted(LANGUAGES):
        raise PlaybookError("locale/languages.yml must list exactly " + ", ".join(LANGUAGES))
    reference = _parse_locale(_read_yaml(root / "locale" / f"{DEFAULT_LANGUAGE}.yml"), DEFAULT_LANGUAGE, None)
    locales = {
        lang: reference if lang == DEFAULT_LANGUAGE
        else _parse_locale(_read_yaml(root / "locale" / f"{lang}.yml"), lang, reference)
        for lang in LANGUAGES
    }
    return Playbook(topics=topics, sources=sources, locales=locales, languages=languages)


@lru_cache(maxsize=1)
def get_playbook() -> Playbook:
    """The playbook of this process, loaded on first use (not on import)."""
    return load_playbook()


def language_from_alias(alias: str) -> str | None:
    """Map a language name as staff write it ("по-русски", "Estonian", "ar") to its code."""
    wanted = re.sub(r"\s+", " ", alias.strip().lower())
    if wanted in LANGUAGES:
        return wanted
    for code, entry in get_playbook().languages.items():
        names = [entry.get("name", "")] + list(entry.get("aliases") or [])
        if wanted in {name.lower() for name in names}:
            return code
    return None
