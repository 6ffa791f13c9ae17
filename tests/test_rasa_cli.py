"""The speed fix in bot/rasa_cli.py must accept and reject exactly what Rasa itself does."""
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import rasa_cli

VALID = {"events": [{"event": "slot", "name": "topic", "value": "returns"}],
         "responses": [{"text": "hello", "buttons": [{"title": "Why?", "payload": "/followup_why"}]}]}
INVALID = {"events": [{"event": "slot", "name": 7}], "responses": "not a list"}


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch) -> RemoteAction:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    rasa_cli.install()
    return RemoteAction("action_coach", None)


def test_accepts_a_valid_response(patched: RemoteAction) -> None:
    assert patched._validate_action_result(VALID) is True


def test_rejects_an_invalid_response_with_rasas_own_error(patched: RemoteAction) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        patched._validate_action_result(INVALID)
