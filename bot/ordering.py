"""Concurrent update processing that still keeps each user's messages in order.

With many staff using the coach at once, handling updates one by one would make everybody wait
for the slowest Rasa reply. Processing them all concurrently is fast but could let a user's second
message overtake the first (answers would arrive swapped, and Rasa would see the conversation out
of order). So updates run concurrently across users and strictly in sequence per user: each user
has an asyncio.Lock, whose waiters are woken first-in first-out. Updates reach this processor in
the order Telegram delivered them, so arrival order is preserved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerUserOrderedProcessor(BaseUpdateProcessor):
    """Run updates of different users concurrently, those of one user one after the other.

    A waiting update holds one of ``max_concurrent_updates`` slots, so the limit is generous; it
    only bounds memory, the Rasa client's connection pool bounds the real load.
    """

    def __init__(self, max_concurrent_updates: int = 1024) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._pending: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _user_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._pending[key] = self._pending.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            # Forget idle users, so the dictionaries do not grow with every user ever seen.
            self._pending[key] -= 1
            if not self._pending[key]:
                del self._pending[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up; locks are created on demand."""

    async def shutdown(self) -> None:
        """Nothing to free; pending updates finish before the application stops."""


def _user_key(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None
