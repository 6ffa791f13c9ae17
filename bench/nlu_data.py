"""Read the NLU examples per language and intent, and split them into train and held-out parts."""
from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
Examples = Dict[str, Dict[str, List[str]]]  # language -> intent -> examples


def read_examples(nlu_dir: Path = ROOT / "data" / "nlu") -> Examples:
    """Examples by language (the folder name under data/nlu) and intent."""
    examples: Examples = {}
    for path in sorted(nlu_dir.glob("*/*.yml")):
        language = path.parent.name
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" not in block:
                continue
            lines = [re.sub(r"^\s*-\s?", "", line).strip() for line in block["examples"].splitlines()]
            examples.setdefault(language, {}).setdefault(block["intent"], []).extend(l for l in lines if l)
    return examples


def split(examples: Examples, held_out: float = 0.2, seed: int = 7) -> Tuple[Examples, Examples]:
    """A stratified split: the same share of every intent in every language is held out."""
    rng = random.Random(seed)
    train: Examples = {}
    test: Examples = {}
    for language, intents in examples.items():
        for intent, items in intents.items():
            shuffled = items[:]
            rng.shuffle(shuffled)
            cut = max(1, round(len(shuffled) * held_out))
            test.setdefault(language, {})[intent] = shuffled[:cut]
            train.setdefault(language, {})[intent] = shuffled[cut:]
    return train, test


def write_nlu(examples: Examples, folder: Path) -> None:
    """Write examples as Rasa 3 NLU YAML, one file per language."""
    folder.mkdir(parents=True, exist_ok=True)
    for language, intents in examples.items():
        blocks = [{"intent": intent, "examples": "".join(f"- {e}\n" for e in items)}
                  for intent, items in intents.items()]
        (folder / f"{language}.yml").write_text(
            yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
