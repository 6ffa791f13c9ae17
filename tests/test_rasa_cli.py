"""The speed fixes in bot/rasa_cli.py must behave exactly as what they replace: accept and reject
the same action responses, and tell training messages apart whenever they differ."""
import numpy as np
import scipy.sparse
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from bot import rasa_cli

VALID = {"events": [{"event": "slot", "name": "topic", "value": "returns"}],
         "responses": [{"text": "hello", "buttons": [{"title": "Why?", "payload": "/followup_why"}]}]}
INVALID = {"events": [{"event": "slot", "name": 7}], "responses": "not a list"}


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch) -> RemoteAction:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    monkeypatch.setattr(Message, "fingerprint", Message.fingerprint)
    rasa_cli.install()
    return RemoteAction("action_coach", None)


def test_accepts_a_valid_response(patched: RemoteAction) -> None:
    assert patched._validate_action_result(VALID) is True


def test_rejects_an_invalid_response_with_rasas_own_error(patched: RemoteAction) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        patched._validate_action_result(INVALID)


def _message(text: str = "кофе остыл", intent: str = "coach_complaints", start: int = 0, lemma: str = "кофе",
             feature: float = 1.0) -> Message:
    message = Message(data={"text": text, "intent": intent,
                            "text_tokens": [Token("кофе", start, lemma=lemma, data={"pos": "NOUN"}), Token("остыл", 5)]})
    message.add_features(Features(scipy.sparse.coo_matrix(np.array([[feature, 0.0]])), "sentence", "text", "cvf"))
    return message


def test_message_fingerprints_change_with_every_field(patched: RemoteAction) -> None:
    assert _message().fingerprint() == _message().fingerprint()
    variants = [_message(text="кофе остыл!"), _message(intent="coach_returns"), _message(start=1),
                _message(lemma="кофя"), _message(feature=2.0)]
    assert len({_message().fingerprint(), *(message.fingerprint() for message in variants)}) == 6
