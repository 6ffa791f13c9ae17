"""Sparse features "this word belongs to concept X", from the lexicon in `lexicon/concepts.yml`.

Why: see `nlu_components/concepts.py`. The lexicon is read when the model is trained and stored
inside the model, so a trained model never depends on the file changing under it, and a change
to the file retrains this component (its hash is part of Rasa's fingerprint).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Type

import numpy as np
import scipy.sparse

from nlu_components.concepts import ConceptLexicon
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

LEXICON_FILE = "concepts.json"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class ConceptFeaturizer(SparseFeaturizer, GraphComponent):
    """One feature column per concept, set on the tokens (and the sentence) that mention it."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**SparseFeaturizer.get_default_config(), "lexicon": "lexicon/concepts.yml"}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if not isinstance(config.get("lexicon"), str):
            raise ValueError("ConceptFeaturizer: `lexicon` must be the path of the concepts file")

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        path = Path(config.get("lexicon") or cls.get_default_config()["lexicon"])
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None

    def __init__(
        self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext, lexicon: Optional[ConceptLexicon] = None,
    ) -> None:
        super().__init__(execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self.lexicon = lexicon or ConceptLexicon(names=[])

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ConceptFeaturizer":
        return cls(config, model_storage, resource, execution_context)

    @classmethod
    def load(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext, **kwargs: Any,
    ) -> "ConceptFeaturizer":
        with model_storage.read_from(resource) as directory:
            stored = json.loads((directory / LEXICON_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, execution_context, ConceptLexicon.from_stored(stored))

    def train(self, training_data: TrainingData) -> Resource:
        path = Path(self._config["lexicon"])
        if not path.is_file():
            raise ValueError(f"ConceptFeaturizer: lexicon file {str(path)!r} not found")
        self.lexicon = ConceptLexicon.from_file(path)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / LEXICON_FILE).write_text(
                json.dumps(self.lexicon.to_stored(), ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            tokens = message.get(TOKENS_NAMES[TEXT]) if message.get(TEXT) else None
            if tokens and self.lexicon.names:
                self._add_features(message, [token.text for token in tokens])
        return messages

    def _add_features(self, message: Message, words: List[str]) -> None:
        sequence = np.zeros((len(words), len(self.lexicon.names)), dtype=np.float32)
        for position, concepts in enumerate(self.lexicon.match(words)):
            sequence[position, list(concepts)] = 1.0
        sentence = sequence.max(axis=0, keepdims=True)
        self.add_features_to_message(
            scipy.sparse.coo_matrix(sequence), scipy.sparse.coo_matrix(sentence), TEXT, message
        )
