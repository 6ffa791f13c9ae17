"""Retrieval fallback: when the NLU is unsure, search the playbook text instead of guessing.

A small BM25 index per language over each topic's advice (title, headline, steps, phrases,
things to avoid, why), tokenised by spaCy's rule-based multi-language tokenizer. Tokens are
folded (lower case, no diacritics, Arabic article and clitics off) and cut to a prefix, a cheap
stemmer that treats "returns", "returned" and "возврат", "возврата" alike.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Sequence, Tuple

from actions.playbook import LANGUAGES, Playbook, get_playbook
from actions.language import normalise_digits

PREFIX_LENGTH = 6
K1, B = 1.4, 0.75
MIN_SCORE = 1.5
RELATIVE_CUT = 0.45
ARABIC_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")


@lru_cache(maxsize=1)
def _tokenizer():
    import spacy

    return spacy.blank("xx").tokenizer


def _fold(token: str) -> str:
    token = unicodedata.normalize("NFKD", token.lower())
    token = "".join(ch for ch in token if not unicodedata.combining(ch) and ch != "\u0640")
    for prefix in ARABIC_PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 3:
            token = token[len(prefix):]
            break
    return token[:PREFIX_LENGTH]


def tokenize(text: str) -> List[str]:
    """Search terms of a text: folded word prefixes, punctuation and one-letter words dropped."""
    words = (t.text for t in _tokenizer()(normalise_digits(text)) if not t.is_punct and not t.is_space)
    return [_fold(w) for w in words if len(w) > 1 and re.search(r"\w", w)]


@dataclass
class Bm25Index:
    """BM25 over one language's topics."""

    topic_ids: Tuple[str, ...]
    term_counts: Tuple[Counter, ...]
    lengths: Tuple[int, ...]
    idf: Dict[str, float]

    @classmethod
    def build(cls, documents: Dict[str, str]) -> "Bm25Index":
        topic_ids = tuple(documents)
        counts = tuple(Counter(tokenize(documents[t])) for t in topic_ids)
        n = len(counts)
        frequency: Counter = Counter(term for c in counts for term in c)
        idf = {term: math.log(1 + (n - df + 0.5) / (df + 0.5)) for term, df in frequency.items()}
        return cls(topic_ids, counts, tuple(sum(c.values()) for c in counts), idf)

    def search(self, query: str, limit: int = 3) -> List[Tuple[str, float]]:
        """Best topics for `query`, strongest first; empty when nothing matches well."""
        terms = set(tokenize(query))
        average = sum(self.lengths) / len(self.lengths)
        scored = []
        for topic_id, counts, length in zip(self.topic_ids, self.term_counts, self.lengths):
            score = 0.0
            for term in terms & counts.keys():
                tf = counts[term]
                score += self.idf[term] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average))
            scored.append((topic_id, score))
        scored.sort(key=lambda pair: pair[1], reverse=True)
        if not scored or scored[0][1] < MIN_SCORE:
            return []
        best = scored[0][1]
        return [(t, s) for t, s in scored[:limit] if s >= max(MIN_SCORE, best * RELATIVE_CUT)]


def _document(playbook: Playbook, topic_id: str, language: str) -> str:
    advice = playbook.topic(topic_id).advice(language)
    return " ".join([advice.title, advice.headline, *advice.do, *advice.say, *advice.avoid, advice.why])


@lru_cache(maxsize=None)
def index_for(language: str) -> Bm25Index:
    playbook = get_playbook()
    return Bm25Index.build({t: _document(playbook, t, language) for t in playbook.topics})


def warm_up() -> None:
    for language in LANGUAGES:
        index_for(language)


def suggest_topics(query: str, language: str, nlu_ranking: Sequence[dict] = (), limit: int = 3) -> List[str]:
    """Up to `limit` topics for an unclear question: playbook search first, then the NLU's
    own runners-up (intents `coach_*` with some confidence) to fill the remaining places."""
    topics = [topic for topic, _ in index_for(language).search(query, limit)]
    for entry in nlu_ranking:
        name = str(entry.get("name") or "")
        if len(topics) >= limit:
            break
        if name.startswith("coach_") and float(entry.get("confidence") or 0) >= 0.15:
            topic = name[len("coach_"):]
            if topic not in topics and topic in get_playbook().topics:
                topics.append(topic)
    return topics[:limit]
