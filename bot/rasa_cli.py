"""Rasa's own command line, with one speed fix; `bot/stack.py` runs `rasa run` and `rasa shell`
through it.

Rasa 3.6 checks every action-server response with `jsonschema.validate`, which first validates
the (large, constant) events schema against the JSON-Schema meta-schema, on every call. On this
machine that costs about 20 ms of every reply, more than the NLU. We build the validator once
and use it for the common case; a response it rejects still goes through Rasa's own method, so
errors and their messages are exactly Rasa's.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict

from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

_rasa_validate = RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def _response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    return validator_for(schema)(schema)


def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    return _response_validator().is_valid(result) or _rasa_validate(self, result)


def install() -> None:
    RemoteAction._validate_action_result = _validate_action_result


if __name__ == "__main__":
    from rasa.__main__ import main

    install()
    main()
