"""Build the spaCy pipeline the NLU uses, from files in this repository only.

A blank multi-language (`xx`) pipeline: spaCy's rule-based tokenizer, which needs no trained
model and handles Latin, Cyrillic and Arabic script alike, plus an EntityRuler that tags
situation entities: `channel` (phone, email, chat, social media, in person) from
`spacy_pipeline/channels.yml` and `language` from `locale/languages.yml`. Nothing is
downloaded. Usage: python spacy_pipeline/build.py OUTPUT_DIR
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, Iterable, List

import spacy
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _patterns(label: str, phrases: Iterable[str]) -> List[Dict[str, str]]:
    return [{"label": label, "pattern": str(phrase).lower()} for phrase in phrases]


def build(output: Path) -> None:
    channels = yaml.safe_load((ROOT / "spacy_pipeline" / "channels.yml").read_text(encoding="utf-8"))
    languages = yaml.safe_load((ROOT / "locale" / "languages.yml").read_text(encoding="utf-8"))
    patterns: List[Dict[str, str]] = []
    for phrases in channels.values():
        patterns += _patterns("channel", phrases)
    for entry in languages.values():
        patterns += _patterns("language", [entry["name"], *entry["aliases"]])
    nlp = spacy.blank("xx")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(patterns)
    nlp.meta["name"] = "servicecoach"
    nlp.meta["description"] = "Tokenizer and situation EntityRuler for ServiceCoach (built, not downloaded)"
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    print(f"spaCy pipeline with {len(patterns)} patterns written to {output}")


if __name__ == "__main__":
    build(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "spacy_coach"))
