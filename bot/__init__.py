"""Telegram front door of ServiceCoach.

The package connects Telegram (python-telegram-bot 22) to the coach's Rasa REST channel. It is
kept apart from the Rasa project on purpose: the coach stays channel-agnostic, and everything that
is specific to Telegram (access control, rendering, rate limits) lives here.

Run it with ``python -m bot``; see ``docs/telegram.md``.
"""
