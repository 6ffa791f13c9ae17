"""Turn playbook advice into chat messages fit for a phone screen.

A message is `{"text": ..., "buttons": [...]}` as Rasa's dispatcher takes it. Answers are
packed into messages of at most MAX_MESSAGE_CHARS, split between sections rather than cut,
and Arabic gets directional marks so that Latin fragments (citations, names) and punctuation
stay where a reader expects them.
"""
from __future__ import annotations

import re
from typing import Dict, Iterable, List, Sequence

from actions.playbook import Locale, Playbook, Topic

MAX_MESSAGE_CHARS = 900
FOLLOW_UPS = ("say", "why", "avoid", "do", "more")
RLM, LRM = "\u200f", "\u200e"
LATIN_RUN = re.compile(r"[A-Za-z][\w#./-]*(?:[ ,][A-Za-z0-9][\w#./-]*)*")
Message = Dict[str, object]


def bidi(text: str, language: str) -> str:
    """Mark Arabic lines right-to-left and isolate Latin runs inside them."""
    if language != "ar":
        return text
    lines = []
    for line in text.split("\n"):
        line = LATIN_RUN.sub(lambda match: f"{LRM}{match.group(0)}{LRM}", line)
        lines.append(f"{RLM}{line}" if line else line)
    return "\n".join(lines)


def pack(sections: Iterable[str], limit: int = MAX_MESSAGE_CHARS) -> List[str]:
    """Join sections into as few messages of at most `limit` characters as possible."""
    messages: List[str] = []
    current = ""
    for section in sections:
        for piece in _split_long(section, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _split_long(section: str, limit: int) -> List[str]:
    """A section longer than a message is split between lines, then between words."""
    if len(section) <= limit:
        return [section]
    pieces: List[str] = []
    current = ""
    for word in re.split(r"(?<=\n)|(?<= )", section):
        if len(current) + len(word) > limit and current:
            pieces.append(current.rstrip())
            current = ""
        current += word
    if current.strip():
        pieces.append(current.rstrip())
    return pieces


def _heading(locale: Locale, key: str, body: str) -> str:
    return f"{locale.sections[key]}\n{body}"


def _section(topic: Topic, language: str, locale: Locale, key: str, playbook: Playbook) -> str:
    advice = topic.advice(language)
    if key == "do":
        return _heading(locale, "do", "\n".join(f"{n}. {step}" for n, step in enumerate(advice.do, 1)))
    if key == "say":
        return _heading(locale, "say", "\n".join(f"💬 {phrase}" for phrase in advice.say))
    if key == "avoid":
        return _heading(locale, "avoid", "\n".join(f"• {item}" for item in advice.avoid))
    if key == "why":
        return _heading(locale, "why", advice.why)
    if key == "sources":
        return f"📚 {locale.sections['sources']}: " + " · ".join(topic.citations)
    if key == "sources_full":
        lines = [f"• {c} ({playbook.sources[c.split('#')[0]]['titles'][language]})" for c in topic.citations]
        return _heading(locale, "sources", "\n".join(lines))
    raise KeyError(key)


def follow_up_buttons(locale: Locale, exclude: Sequence[str] = ()) -> List[Dict[str, str]]:
    return [
        {"title": locale.buttons[key], "payload": f"/followup_{key}"}
        for key in ("say", "why", "avoid", "more") if key not in exclude
    ]


def topic_buttons(playbook: Playbook, topic_ids: Iterable[str], language: str) -> List[Dict[str, str]]:
    return [
        {"title": playbook.topic(t).advice(language).title, "payload": f"/coach_{t}"}
        for t in topic_ids
    ]


def _messages(sections: List[str], language: str, buttons: List[Dict[str, str]]) -> List[Message]:
    """Directional marks first, then packing: the marks count towards the message length."""
    messages: List[Message] = [{"text": text} for text in pack([bidi(s, language) for s in sections])]
    if buttons and messages:
        messages[-1]["buttons"] = [
            {"title": bidi(b["title"], language), "payload": b["payload"]} for b in buttons
        ]
    return messages


def compose_answer(playbook: Playbook, topic_id: str, language: str) -> List[Message]:
    """The full answer card: headline, steps, phrase, what to avoid, why, citations."""
    topic = playbook.topic(topic_id)
    locale = playbook.locale(language)
    advice = topic.advice(language)
    sections = [f"📌 {advice.headline}"] + [
        _section(topic, language, locale, key, playbook) for key in ("do", "say", "avoid", "why", "sources")
    ]
    return _messages(sections, language, follow_up_buttons(locale))


def compose_follow_up(playbook: Playbook, topic_id: str, language: str, kind: str) -> List[Message]:
    """One part of the current topic's advice, asked for after the answer ("what do I say?")."""
    topic = playbook.topic(topic_id)
    locale = playbook.locale(language)
    title = f"📌 {topic.advice(language).title}"
    if kind == "more":
        text = f"{title}\n\n{locale.texts['related']}"
        buttons = topic_buttons(playbook, topic.related, language)
        buttons.append({"title": locale.buttons["topics"], "payload": "/help"})
        return _messages([text], language, buttons)
    body = [_section(topic, language, locale, kind, playbook)]
    body.append(_section(topic, language, locale, "sources_full" if kind == "why" else "sources", playbook))
    return _messages([title] + body, language, follow_up_buttons(locale, exclude=(kind,)))


def compose_text(playbook: Playbook, language: str, key: str, buttons: Sequence[Dict[str, str]] = ()) -> List[Message]:
    """A fixed reply (greeting, help, out of scope...) in the staff member's language."""
    return _messages([playbook.locale(language).texts[key]], language, list(buttons))


def all_topic_buttons(playbook: Playbook, language: str) -> List[Dict[str, str]]:
    return topic_buttons(playbook, playbook.topics.keys(), language)
