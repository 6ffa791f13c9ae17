"""The linear scorer (nlu_components/linear_scorer.py): its votes point at the right intent, the
votes DIET trains on are out-of-fold, and a stored model scores exactly as the trained one."""
from pathlib import Path
from typing import Tuple

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.linear_scorer import LinearIntentScorer

# Three small intents in two languages, a concept-like upstream feature on the returns examples.
EXAMPLES = {
    "coach_returns": ["she wants to bring back the shoes", "refund without a receipt", "can he swap the jacket",
                      "клиент хочет вернуть куртку", "возврат без чека", "обмен обуви после носки"],
    "coach_waiting": ["the queue is out of the door", "people wait too long at the till", "slow service at lunch",
                      "очередь до самой двери", "люди долго ждут на кассе", "медленно обслуживаем в обед"],
    "coach_phone": ["the phone rings and nobody answers", "how to pick up a call", "voicemail is always full",
                    "телефон звонит, никто не берет", "как отвечать на звонок", "автоответчик всегда переполнен"],
}


def _message(text: str, intent: str = "") -> Message:
    message = Message(data={"text": text, **({"intent": intent} if intent else {})})
    upstream = [[1.0 if any(w in text for w in ("back", "refund", "swap", "верн", "возврат", "обмен")) else 0.0]]
    message.add_features(Features(scipy.sparse.coo_matrix(upstream), "sentence", "text", "concepts"))
    return message


def _training_data() -> TrainingData:
    return TrainingData([_message(text, intent) for intent, texts in EXAMPLES.items() for text in texts])


def _votes(message: Message) -> np.ndarray:
    _, sentence = message.get_dense_features("text")
    return sentence.features[0]


@pytest.fixture
def trained(tmp_path: Path) -> Tuple[LocalModelStorage, Resource, ExecutionContext, dict]:
    config = {**LinearIntentScorer.get_default_config(), "min_df": 1, "folds": 2}
    storage = LocalModelStorage(tmp_path)
    resource = Resource("linear_scorer")
    context = ExecutionContext(GraphSchema({}), node_name="linear_scorer")
    LinearIntentScorer.create(config, storage, resource, context).train(_training_data())
    return storage, resource, context, config


def _load(trained: Tuple[LocalModelStorage, Resource, ExecutionContext, dict]) -> LinearIntentScorer:
    storage, resource, context, config = trained
    return LinearIntentScorer.load(config, storage, resource, context)


@pytest.mark.parametrize("text, intent", [("a man brought back a kettle for a refund", "coach_returns"),
                                          ("очередь на кассе, люди ждут", "coach_waiting"),
                                          ("nobody picks up the phone", "coach_phone")])
def test_the_strongest_vote_is_the_right_intent(trained, text: str, intent: str) -> None:
    message = _message(text)
    _load(trained).process([message])
    votes = _votes(message)
    assert votes.shape == (len(EXAMPLES),)
    assert sorted(EXAMPLES)[int(np.argmax(votes))] == intent


def test_training_examples_get_out_of_fold_votes(trained) -> None:
    """An SVM scoring the examples it was fitted to is nearly always sure and right; DIET must see
    votes as unsure as those on new questions, so each example is scored by a model without it."""
    scorer = _load(trained)
    data = _training_data()
    scorer.process_training_data(data)
    out_of_fold = np.array([_votes(m) for m in data.training_examples])
    fresh = [_message(m.get("text")) for m in data.training_examples]
    scorer.process(fresh)
    in_sample = np.array([_votes(m) for m in fresh])
    assert not np.allclose(out_of_fold, in_sample)
    labels = [sorted(EXAMPLES).index(m.get("intent")) for m in data.training_examples]
    margin = lambda votes: np.mean([row[label] - np.delete(row, label).max() for row, label in zip(votes, labels)])
    assert margin(out_of_fold) < margin(in_sample)


def test_messages_without_text_or_upstream_features_are_handled(trained) -> None:
    scorer = _load(trained)
    empty, bare = Message(data={"text": ""}), Message(data={"text": "refund please"})
    scorer.process([empty, bare])
    assert empty.get_dense_features("text") == (None, None)
    assert _votes(bare).shape == (len(EXAMPLES),)
