"""Match words to language-independent service concepts from `lexicon/concepts.yml`.

The classifier learns from words and character n-grams, so a word it never saw in training
("apron", "униформа") tells it nothing. The lexicon maps stems in all five languages to shared
concepts ("appearance"), so whatever the model learns about a concept from one language's
examples also applies to words it has not seen and to the other four languages.

Matching is by prefix, so one stem covers a word's inflections; Latin diacritics are folded
(people type Romanian and Estonian without them); Arabic clitics (و ف ب ل ك ال) are peeled off.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Sequence, Set, Tuple

import yaml

from actions.playbook import LANGUAGES
from nlu_components.text_normalizer import normalise

LATIN_FOLDING = str.maketrans("ăâîșțşţõäöüšžéèáíóú", "aaiststoaouszeeaiou")
ARABIC_CLITICS = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل", "ك")
MIN_STEM = 3
BUCKET = 3  # entries are filed under their first letters, so a token checks only a few stems


def fold(text: str) -> str:
    """The form both lexicon entries and message words are compared in."""
    return normalise(text).lower().translate(LATIN_FOLDING)


def word_forms(word: str) -> Tuple[str, ...]:
    """The word, plus the word without each Arabic clitic it might start with."""
    forms = [word]
    for clitic in ARABIC_CLITICS:
        if word.startswith(clitic) and len(word) - len(clitic) >= MIN_STEM:
            forms.append(word[len(clitic):])
    return tuple(forms)


@dataclass
class ConceptLexicon:
    """Concept names in a fixed order (feature columns) and their stems, filed for lookup."""

    names: List[str]
    entries: Dict[str, List[Tuple[Tuple[str, ...], int]]] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, concepts: Dict[str, Dict[str, Iterable[str]]]) -> "ConceptLexicon":
        lexicon = cls(names=list(concepts))
        for index, name in enumerate(lexicon.names):
            for language in LANGUAGES:
                for entry in concepts[name].get(language) or []:
                    words = tuple(fold(str(entry)).split())
                    if words and len(words[0]) >= MIN_STEM:
                        lexicon.entries.setdefault(words[0][:BUCKET], []).append((words, index))
        return lexicon

    @classmethod
    def from_file(cls, path: Path) -> "ConceptLexicon":
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return cls.from_mapping(data.get("concepts") or {})

    def to_stored(self) -> Dict[str, Any]:
        """A plain form to keep inside a trained model (see `from_stored`)."""
        return {"names": self.names, "entries": {key: [[list(words), index] for words, index in bucket]
                                                  for key, bucket in self.entries.items()}}

    @classmethod
    def from_stored(cls, stored: Dict[str, Any]) -> "ConceptLexicon":
        entries = {key: [(tuple(words), index) for words, index in bucket]
                   for key, bucket in stored["entries"].items()}
        return cls(names=list(stored["names"]), entries=entries)

    def match(self, tokens: Sequence[str]) -> List[Set[int]]:
        """For each token, the concepts of every entry that covers it."""
        words = [word_forms(fold(token)) for token in tokens]
        hits: List[Set[int]] = [set() for _ in tokens]
        for start, forms in enumerate(words):
            for form in forms:
                for entry, index in self.entries.get(form[:BUCKET], ()):
                    if self._matches_at(words, start, form, entry):
                        for position in range(start, start + len(entry)):
                            hits[position].add(index)
        return hits

    @staticmethod
    def _matches_at(words: List[Tuple[str, ...]], start: int, form: str, entry: Tuple[str, ...]) -> bool:
        if not form.startswith(entry[0]) or start + len(entry) > len(words):
            return False
        return all(
            any(candidate.startswith(stem) for candidate in words[start + offset])
            for offset, stem in enumerate(entry[1:], start=1)
        )
