"""The Action classes: thin adapters between Rasa's tracker and the plain functions.

Every action answers in the language `actions.language.resolve_language` picks for the latest
message and writes it back to slot `language`, so a short follow-up ("why?") or a button press
stays in the language of the conversation.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import (
    FOLLOW_UPS, Message, all_topic_buttons, compose_answer, compose_follow_up, compose_text,
    follow_up_buttons, topic_buttons,
)
from actions.language import resolve_language
from actions.playbook import LANGUAGES, Playbook, get_playbook, language_from_alias
from actions.retrieval import suggest_topics

COACH_PREFIX, FOLLOW_UP_PREFIX = "coach_", "followup_"


def _metadata(tracker: Tracker) -> Dict[str, Any]:
    """The channel's metadata of the latest message (REST `metadata`, Telegram's language)."""
    metadata = dict(tracker.get_slot("session_started_metadata") or {})
    metadata.update(tracker.latest_message.get("metadata") or {})
    return metadata


def _latest_intent(tracker: Tracker) -> str:
    return str((tracker.latest_message.get("intent") or {}).get("name") or "")


def _topics_button(playbook: Playbook, language: str) -> List[Dict[str, str]]:
    return [{"title": playbook.locale(language).buttons["topics"], "payload": "/help"}]


class CoachingAction(Action):
    """Base class: pick the language, let `respond` build the messages, send them."""

    action_name: Text = ""

    def name(self) -> Text:
        return self.action_name

    def respond(self, playbook: Playbook, tracker: Tracker, language: str) -> tuple[List[Message], List[EventType]]:
        raise NotImplementedError

    def pick_language(self, tracker: Tracker) -> str:
        return resolve_language(tracker.latest_message.get("text"), tracker.get_slot("language"), _metadata(tracker))

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        playbook = get_playbook()
        language = self.pick_language(tracker)
        messages, events = self.respond(playbook, tracker, language)
        for message in messages:
            dispatcher.utter_message(**message)
        return [SlotSet("language", language), *events]


class ActionCoach(CoachingAction):
    """Answer a coaching question with the full advice card of the intent's topic."""

    action_name = "action_coach"

    def respond(self, playbook, tracker, language):
        topic = _latest_intent(tracker)[len(COACH_PREFIX):]
        if topic not in playbook.topics:
            return fallback_messages(playbook, tracker, language), []
        return compose_answer(playbook, topic, language), [SlotSet("topic", topic)]


class ActionFollowUp(CoachingAction):
    """"What do I say?", "why?", "what to avoid?", "more": the current topic, one part of it."""

    action_name = "action_followup"

    def respond(self, playbook, tracker, language):
        topic = tracker.get_slot("topic")
        kind = _latest_intent(tracker)[len(FOLLOW_UP_PREFIX):]
        if topic not in playbook.topics:
            return compose_text(playbook, language, "no_topic", all_topic_buttons(playbook, language)), []
        if kind not in FOLLOW_UPS:
            kind = "more"
        return compose_follow_up(playbook, topic, language, kind), []


class FixedTextAction(CoachingAction):
    """A fixed reply from the locale files; subclasses name the text and its buttons."""

    text_key: Text = ""
    with_topics_button = False

    def respond(self, playbook, tracker, language):
        buttons = _topics_button(playbook, language) if self.with_topics_button else []
        return compose_text(playbook, language, self.text_key, buttons), []


class ActionGreet(FixedTextAction):
    action_name, text_key, with_topics_button = "action_greet", "greet", True


class ActionGoodbye(FixedTextAction):
    action_name, text_key = "action_goodbye", "goodbye"


class ActionThank(FixedTextAction):
    action_name, text_key = "action_thank", "thank"


class ActionBotChallenge(FixedTextAction):
    action_name, text_key = "action_bot_challenge", "bot_challenge"


class ActionOutOfScope(FixedTextAction):
    """Out of scope leaves `topic` as it is: the contract says it is not labelled."""

    action_name, text_key, with_topics_button = "action_out_of_scope", "out_of_scope", True


class ActionHelp(CoachingAction):
    action_name = "action_help"

    def respond(self, playbook, tracker, language):
        return compose_text(playbook, language, "help", all_topic_buttons(playbook, language)), []


class ActionAcknowledge(CoachingAction):
    """"Yes" and "no" outside a question: keep the conversation going, never a dead end."""

    action_name = "action_acknowledge"

    def respond(self, playbook, tracker, language):
        if _latest_intent(tracker) == "affirm":
            topic = tracker.get_slot("topic")
            buttons = follow_up_buttons(playbook.locale(language)) if topic in playbook.topics else []
            return compose_text(playbook, language, "acknowledge_yes", buttons), []
        return compose_text(playbook, language, "acknowledge_no", _topics_button(playbook, language)), []


class ActionSetLanguage(CoachingAction):
    """An explicit switch ("speak Russian", "/language et"): it wins over text detection."""

    action_name = "action_set_language"

    def requested_language(self, tracker: Tracker) -> Optional[str]:
        for value in tracker.get_latest_entity_values("language"):
            code = language_from_alias(str(value))
            if code:
                return code
        return None

    def pick_language(self, tracker):
        return self.requested_language(tracker) or super().pick_language(tracker)

    def respond(self, playbook, tracker, language):
        if self.requested_language(tracker):
            return compose_text(playbook, language, "language_set"), []
        buttons = [
            {"title": playbook.languages[code]["name"],
             "payload": "/set_language" + json.dumps({"language": code}, separators=(",", ":"))}
            for code in LANGUAGES
        ]
        return compose_text(playbook, language, "language_unknown", buttons), []


def fallback_messages(playbook: Playbook, tracker: Tracker, language: str) -> List[Message]:
    """Offer up to three likely topics as buttons instead of guessing one."""
    text = str(tracker.latest_message.get("text") or "")
    if not text.strip():
        return compose_text(playbook, language, "empty", _topics_button(playbook, language))
    ranking: Sequence[dict] = tracker.latest_message.get("intent_ranking") or ()
    topics = suggest_topics(text, language, ranking)
    if not topics:
        return compose_text(playbook, language, "fallback_none", _topics_button(playbook, language))
    buttons = [*topic_buttons(playbook, topics, language), *_topics_button(playbook, language)]
    return compose_text(playbook, language, "fallback_offer", buttons)


class ActionRetrievalFallback(CoachingAction):
    """Low NLU confidence (intent `nlu_fallback`): suggest topics from the playbook text."""

    action_name = "action_retrieval_fallback"

    def respond(self, playbook, tracker, language):
        return fallback_messages(playbook, tracker, language), []


class ActionDefaultFallback(ActionRetrievalFallback):
    """Rasa's core fallback, answered like the NLU fallback instead of a silent revert."""

    action_name = "action_default_fallback"
