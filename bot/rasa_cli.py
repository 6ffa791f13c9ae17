"""Rasa's own command line, with two speed fixes; the Makefile trains, and `bot/stack.py` runs
`rasa run` and `rasa shell`, through it.

1. Replies. Rasa 3.6 checks every action-server response with `jsonschema.validate`, which first
   validates the (large, constant) events schema against the JSON-Schema meta-schema, on every
   call. On this machine that costs about 20 ms of every reply, more than the NLU. We build the
   validator once and use it for the common case; a response it rejects still goes through Rasa's
   own method, so errors and their messages are exactly Rasa's.
2. Training. Rasa's training cache fingerprints the whole training data after every pipeline
   component, and a message's fingerprint is a nest of small hashes and JSON dumps, one per field
   of every token: with ~30,000 examples that is several seconds per component, a fifth of the
   training time. One hash over the same fields per message gives the same guarantee (equal
   messages, equal fingerprints; any text, token, label or feature changed, a new one), ten times
   faster.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Dict, List

from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.utils.io import deep_container_fingerprint, get_text_hash

_rasa_validate = RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def _response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    return validator_for(schema)(schema)


def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    return _response_validator().is_valid(result) or _rasa_validate(self, result)


def _plain(value: Any) -> Any:
    """A JSON-ready stand-in for a message field: values and tokens as they are, anything else
    (a spaCy doc, a nested container) by Rasa's own fingerprint."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    if isinstance(value, Token):
        return [value.text, value.start, value.end, value.lemma, value.data]
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return deep_container_fingerprint(value)


def _message_fingerprint(self: Message) -> str:
    if self._cached_fingerprint is None:
        fields: List[Any] = [sorted((key, _plain(value)) for key, value in self.data.items()),
                             [feature.fingerprint() for feature in self.features]]
        self._cached_fingerprint = get_text_hash(json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False))
    return self._cached_fingerprint


def install() -> None:
    RemoteAction._validate_action_result = _validate_action_result
    Message.fingerprint = _message_fingerprint


if __name__ == "__main__":
    from rasa.__main__ import main

    install()
    main()
