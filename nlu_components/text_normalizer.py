"""Fold spelling variants that carry no meaning, before tokenising, in training and at run time.

Staff type on phones: Arabic with or without diacritics and tatweel, with Arabic-Indic or Western
digits; Russian with or without "ё"; Romanian with the cedilla or the comma below (ş/ș, ţ/ț).
The same folding on training examples and incoming messages lets one set of examples cover all
these spellings. Only `text` as the NLU sees it changes; the tracker keeps what the user wrote.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

# Arabic tashkeel (U+064B-U+0652), superscript alef, tatweel.
ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")
FOLDING = str.maketrans({
    **{chr(0x0660 + n): str(n) for n in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + n): str(n) for n in range(10)},  # Extended (Persian) digits
    "ё": "е", "Ё": "Е",
    "ş": "ș", "Ş": "Ș", "ţ": "ț", "Ţ": "Ț",
    "أ": "ا", "إ": "ا", "آ": "ا",
})


def normalise(text: str) -> str:
    return ARABIC_MARKS.sub("", text.translate(FOLDING))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class TextNormalizer(GraphComponent):
    """Runs first in the pipeline; see the module docstring for what it folds."""

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TextNormalizer":
        return cls()

    def _normalise(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text:
                message.set(TEXT, normalise(text))
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._normalise(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        return self._normalise(messages)
