"""Language detection and the order in which the answer language is chosen."""
from __future__ import annotations

import pytest

from actions.language import detect_language, normalise_digits, resolve_language


@pytest.mark.parametrize("text,expected", [
    ("how should I handle a return without a receipt?", "en"),
    ("как вести себя, если покупатель кричит на кассе", "ru"),
    ("ce să fac când un client vrea să returneze o rochie", "ro"),
    ("mida teha kui klient tahab kaupa tagastada", "et"),
    ("ماذا أفعل إذا صرخ العميل في وجهي", "ar"),
    ("ماذا أقول بعد ٣ دقائق من الانتظار", "ar"),
    ("ok", None),
    ("👍", None),
    ("", None),
])
def test_detect_language(text, expected) -> None:
    assert detect_language(text) == expected


def test_mixed_scripts_get_one_language() -> None:
    assert detect_language("клиент хочет return, что делать с возвратом товара") == "ru"


def test_resolution_order_text_then_slot_then_hint_then_english() -> None:
    assert resolve_language("mida teha kui klient karjub", "en", {"language": "ru"}) == "et"
    assert resolve_language("ok", "ro", {"language": "ru"}) == "ro"
    assert resolve_language("ok", None, {"language": "ru-RU"}) == "ru"
    assert resolve_language("/followup_say", None, {"language": "xx"}) == "en"


def test_arabic_indic_digits_become_ascii() -> None:
    assert normalise_digits("الرنة ٣ و ۴٥") == "الرنة 3 و 45"
