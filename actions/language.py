"""Which language to answer in.

Each message's own text decides when it says enough; otherwise the conversation's current
language (slot `language`), then the channel's hint (`metadata.language`, e.g. Telegram's
`language_code`), then English. The detector is lingua, restricted to our five languages; it
ships its models inside the wheel, so nothing is downloaded at run time.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any, Mapping, Optional

from actions.playbook import DEFAULT_LANGUAGE, LANGUAGES

# Below this many letters a Latin-script text (en/ro/et) is too short to tell apart;
# Cyrillic and Arabic script are decisive from the first word.
MIN_LATIN_LETTERS = 12
MIN_CONFIDENCE = 0.55
ARABIC_INDIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(
        Language.ENGLISH, Language.RUSSIAN, Language.ROMANIAN, Language.ESTONIAN, Language.ARABIC
    ).with_preloaded_language_models().build()


@lru_cache(maxsize=1)
def _latin_codes() -> Mapping[Any, str]:
    """lingua's Latin-script languages and our codes for them (built once, not per message)."""
    from lingua import Language

    return {Language.ENGLISH: "en", Language.ROMANIAN: "ro", Language.ESTONIAN: "et"}


def warm_up() -> None:
    """Load the detector's models now, so the first staff message is not the slow one."""
    _detector()


def _script_of(char: str) -> Optional[str]:
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    for script in ("arabic", "cyrillic", "latin"):
        if name.startswith(script.upper()):
            return script
    return None


def _script_counts(text: str) -> Mapping[str, int]:
    counts = {"arabic": 0, "cyrillic": 0, "latin": 0}
    for char in text:
        script = _script_of(char)
        if script:
            counts[script] += 1
    return counts


def detect_language(text: str) -> Optional[str]:
    """The language of `text`, or None when the text is too short or too mixed to tell.

    Mixed input is answered in one language: the script with most letters wins, so
    "what is возврат?" goes to the Latin side only if Latin letters dominate.
    """
    counts = _script_counts(text)
    script = max(counts, key=counts.get)
    if counts[script] == 0:
        return None
    if script == "arabic":
        return "ar"
    if script == "cyrillic":
        return "ru"
    if counts["latin"] < MIN_LATIN_LETTERS:
        return None
    latin_only = "".join(ch if _script_of(ch) in (None, "latin") else " " for ch in text)
    candidates = _latin_codes()
    best = None
    for result in _detector().compute_language_confidence_values(latin_only):
        if result.language in candidates:
            best = result
            break
    if best is None or best.value < MIN_CONFIDENCE:
        return None
    return candidates[best.language]


def normalise_digits(text: str) -> str:
    """Arabic-Indic and Persian digits as ASCII digits (٣ -> 3)."""
    return text.translate(ARABIC_INDIC_DIGITS)


def resolve_language(
    text: Optional[str], slot_value: Optional[str], metadata: Optional[Mapping[str, Any]]
) -> str:
    """The language to answer a message in (see the module docstring for the order)."""
    if text and not text.startswith("/"):
        detected = detect_language(text)
        if detected:
            return detected
    if slot_value in LANGUAGES:
        return slot_value  # type: ignore[return-value]
    hint = str((metadata or {}).get("language") or "").lower().split("-")[0].split("_")[0]
    if hint in LANGUAGES:
        return hint
    return DEFAULT_LANGUAGE
