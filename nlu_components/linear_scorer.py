"""Dense features: how strongly a linear model over words, character n-grams and the concepts
votes for each intent. DIET reads them (and, in our config, only them).

Why: on our held-out questions a linear SVM over tf-idf words, character n-grams and the concept
features beats DIET over the same sparse features by several points, and it trains in seconds;
DIET on its own needs many epochs to learn what the SVM finds at once. Stacking gives DIET the
SVM's votes as input and keeps DIET (and the FallbackClassifier after it) as the classifier of
the pipeline, with its confidences and intent ranking.

The votes DIET trains on can be in-sample (`folds: 0`) or out-of-fold (each training example
scored by an SVM that did not see it). Out-of-fold is the textbook choice, but with two folds the
small conversation intents (greet, thank, "tell me more", ~130 examples each) lose half their
examples per fold, and DIET then misses them on the test stories; in-sample measured better here.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Dict, List, Optional, Text, Tuple, Type

import joblib
import numpy as np
import scipy.sparse
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

MODEL_FILE = "linear_scorer.joblib"
# With `folds`, the out-of-fold votes of the training examples, by text: read only while training.
VOTES_FILE = "training_votes.joblib"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class LinearIntentScorer(DenseFeaturizer, GraphComponent):
    """One dense sentence feature per intent: a linear SVM's decision score for that intent."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [SparseFeaturizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # Its own tf-idf words and character n-grams inside word boundaries (these carry
            # inflection, typos and missing diacritics in all five languages).
            "char_ngram_range": [2, 5],
            "min_df": 2,
            # The SVM's regularisation: larger fits the training examples more closely.
            "C": 0.5,
            # Folds for out-of-fold votes for DIET to train on; 0: in-sample votes (see above).
            "folds": 0,
            # Weight of the sparse features of earlier featurizers (the concepts) next to the
            # words and character n-grams, each block L2-normalised first.
            "upstream_weight": 0.7,
            "random_seed": 42,
        }

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        low, high = config["char_ngram_range"]
        if not 1 <= low <= high or config["folds"] == 1:
            raise ValueError("LinearIntentScorer: char_ngram_range must be 1 <= low <= high; folds 0 or >= 2")

    def __init__(
        self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext, fitted: Optional[Dict[str, Any]] = None,
    ) -> None:
        super().__init__(execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._fitted = fitted  # {"words", "chars": TfidfVectorizer, "upstream": [(origin, width)], "svm"}

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentScorer":
        return cls(config, model_storage, resource, execution_context)

    @classmethod
    def load(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext, **kwargs: Any,
    ) -> "LinearIntentScorer":
        with model_storage.read_from(resource) as directory:
            fitted = joblib.load(directory / MODEL_FILE)
        return cls(config, model_storage, resource, execution_context, fitted)

    @staticmethod
    def _upstream(messages: List[Message]) -> Dict[str, scipy.sparse.csr_matrix]:
        """The sentence features of the sparse featurizers before this one (e.g. the concepts), one
        matrix per featurizer. Built in one go: `Message.get_sparse_features` per message would
        take longer than fitting the SVM."""
        parts: Dict[str, Tuple[List[np.ndarray], List[np.ndarray], List[np.ndarray], int]] = {}
        for index, message in enumerate(messages):
            for feature in message.features:
                if feature.attribute != TEXT or feature.type != FEATURE_TYPE_SENTENCE or not feature.is_sparse():
                    continue
                matrix = feature.features.tocoo()
                rows, cols, values, _ = parts.setdefault(feature.origin, ([], [], [], matrix.shape[1]))
                rows.append(np.full(matrix.nnz, index))
                cols.append(matrix.col)
                values.append(matrix.data)
        return {
            origin: scipy.sparse.csr_matrix(
                (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
                shape=(len(messages), width), dtype=np.float32,
            )
            for origin, (rows, cols, values, width) in sorted(parts.items())
        }

    def _features(
        self, messages: List[Message], fitted: Dict[str, Any],
        upstream: Optional[Dict[str, scipy.sparse.csr_matrix]] = None,
    ) -> scipy.sparse.csr_matrix:
        """Words and character n-grams (tf-idf), plus each upstream featurizer's features, dampened
        (log) and normalised, so that no block drowns the others."""
        texts = [message.get(TEXT) or "" for message in messages]
        upstream = self._upstream(messages) if upstream is None else upstream
        blocks = [fitted["words"].transform(texts), fitted["chars"].transform(texts)]
        for origin, width in fitted["upstream"]:
            block = upstream.get(origin, scipy.sparse.csr_matrix((len(messages), width), dtype=np.float32))
            blocks.append(normalize(block.log1p()) * self._config["upstream_weight"])
        return scipy.sparse.hstack(blocks).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.training_examples if m.get(TEXT) and m.get(INTENT)]
        labels = np.array([m.get(INTENT) for m in examples])
        texts = [m.get(TEXT) for m in examples]
        upstream = self._upstream(examples)
        low, high = self._config["char_ngram_range"]
        fitted: Dict[str, Any] = {
            "words": TfidfVectorizer(token_pattern=r"(?u)\b\w+\b", sublinear_tf=True, dtype=np.float32).fit(texts),
            "chars": TfidfVectorizer(analyzer="char_wb", ngram_range=(low, high), sublinear_tf=True,
                                     min_df=self._config["min_df"], dtype=np.float32).fit(texts),
            "upstream": [(origin, block.shape[1]) for origin, block in upstream.items()],
        }
        for vectorizer in (fitted["words"], fitted["chars"]):
            del vectorizer.stop_words_  # every n-gram cut by min_df: megabytes the model never uses
        features = self._features(examples, fitted, upstream)
        svm = LinearSVC(C=self._config["C"], random_state=self._config["random_seed"])
        everything = np.arange(len(labels))
        splits = []
        if self._config["folds"] and min(Counter(labels.tolist()).values()) >= self._config["folds"]:
            folds = StratifiedKFold(self._config["folds"], shuffle=True, random_state=self._config["random_seed"])
            splits = list(folds.split(features, labels))
        # The fold models and the final model are independent fits; liblinear releases the GIL,
        # so two threads fit side by side without copying the features.
        final, *fold_models = Parallel(n_jobs=2, prefer="threads")(
            delayed(clone(svm).fit)(features[rows], labels[rows]) for rows in [everything, *(train for train, _ in splits)]
        )
        final.coef_ = final.coef_.astype(np.float32)  # half the model size, same votes to 1e-6
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump({**fitted, "svm": final}, directory / MODEL_FILE)
            if splits:
                votes = np.zeros((len(labels), len(final.classes_)), dtype=np.float32)
                for model, (_, held_out) in zip(fold_models, splits):
                    votes[held_out] = _per_intent(model.decision_function(features[held_out]))
                joblib.dump({m.get(TEXT): v for m, v in zip(examples, votes)}, directory / VOTES_FILE)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Out-of-fold votes for the examples the SVM was trained on, if there are any; fresh
        votes for everything else."""
        with self._model_storage.read_from(self._resource) as directory:
            stored = joblib.load(directory / VOTES_FILE) if (directory / VOTES_FILE).is_file() else {}
        examples = [m for m in training_data.training_examples if m.get(TEXT)]
        self._add_votes([m for m in examples if m.get(TEXT) not in stored])
        for message in examples:
            if message.get(TEXT) in stored:
                self._add(message, stored[message.get(TEXT)])
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._add_votes([m for m in messages if m.get(TEXT)])
        return messages

    def _add_votes(self, messages: List[Message]) -> None:
        if not messages or self._fitted is None:
            return
        votes = self._fitted["svm"].decision_function(self._features(messages, self._fitted))
        for message, row in zip(messages, _per_intent(votes)):
            self._add(message, row)

    def _add(self, message: Message, votes: np.ndarray) -> None:
        # DIET insists on sequence features from somewhere: the votes double as a one-step
        # sequence, so that a DIET reading only this featurizer (`featurizers: [linear_scorer]`)
        # sees the votes and nothing else.
        row = votes.reshape(1, -1)
        self.add_features_to_message(row, row, TEXT, message)


def _per_intent(votes: np.ndarray) -> np.ndarray:
    """One column per intent: with two intents the SVM returns a single column of scores."""
    votes = votes.reshape(len(votes), -1)
    return np.hstack([-votes, votes]).astype(np.float32) if votes.shape[1] == 1 else votes.astype(np.float32)
