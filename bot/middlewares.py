"""Update middlewares, in the order they run (after aiogram's own FSM lock for the user):

1. ``DedupeUpdates`` – an update id is handled once, also across processes (``ProcessedUpdate`` rows).
2. ``RateLimit`` – at most N updates per user per minute; the first one over gets a polite answer.
3. ``Identify`` – the Telegram account as care knows it (family member, staff) → ``person`` for handlers.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User
from redis.asyncio import Redis
from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from bot import texts
from bot.identity import identify
from care.db import SessionFactory
from care.models import ProcessedUpdate

log = logging.getLogger(__name__)
SOURCE = "telegram"
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DedupeUpdates(BaseMiddleware):
    """Claim the update id in the database before handling; a second delivery finds it taken.

    The claim is released if handling fails, so a redelivery can try again. Claims older than
    ``keep`` are pruned now and then (Telegram redelivers for at most a day).
    """

    def __init__(self, sessions: SessionFactory, clock: Callable[[], datetime],
                 keep: timedelta = timedelta(days=2), prune_every: int = 500) -> None:
        self.sessions, self.clock, self.keep, self.prune_every = sessions, clock, keep, prune_every
        self._seen = 0

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        update_id, now = str(event.update_id), self.clock()
        try:
            async with self.sessions() as session, session.begin():
                await session.execute(insert(ProcessedUpdate).values(source=SOURCE, update_id=update_id, at=now))
        except IntegrityError:
            log.info("telegram update %s was delivered again; ignored", update_id)
            return None
        self._seen += 1
        if self._seen % self.prune_every == 0:
            await self._prune(now)
        try:
            return await handler(event, data)
        except BaseException:
            async with self.sessions() as session, session.begin():
                await session.execute(delete(ProcessedUpdate).where(
                    ProcessedUpdate.source == SOURCE, ProcessedUpdate.update_id == update_id))
            raise

    async def _prune(self, now: datetime) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(delete(ProcessedUpdate).where(
                ProcessedUpdate.source == SOURCE, ProcessedUpdate.at < now - self.keep))


class Counter(Protocol):
    async def hit(self, user_id: int) -> int:
        """Count one update of the user; the number of updates in the current window."""
        ...


class MemoryCounter:
    """Sliding window in this process."""

    def __init__(self, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window, self.clock = window, clock
        self._hits: dict[int, deque[float]] = defaultdict(deque)

    async def hit(self, user_id: int) -> int:
        now, hits = self.clock(), self._hits[user_id]
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        hits.append(now)
        if len(self._hits) > 10_000:  # forget idle users
            for uid in [u for u, h in self._hits.items() if not h or h[-1] <= now - self.window]:
                del self._hits[uid]
        return len(hits)


class RedisCounter:
    """Fixed one-minute windows shared by every bot process (INCR + EXPIRE)."""

    def __init__(self, redis: Redis, window: int = 60, prefix: str = "eldercare:tg:rate",
                 clock: Callable[[], float] = time.time) -> None:
        self.redis, self.window, self.prefix, self.clock = redis, window, prefix, clock

    async def hit(self, user_id: int) -> int:
        key = f"{self.prefix}:{user_id}:{int(self.clock() // self.window)}"
        async with self.redis.pipeline(transaction=True) as pipe:
            count, _ = await pipe.incr(key).expire(key, self.window * 2).execute()
        return int(count)


class RateLimit(BaseMiddleware):
    def __init__(self, counter: Counter, limit: int = 20) -> None:
        self.counter, self.limit = counter, limit

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            return await handler(event, data)
        count = await self.counter.hit(user.id)
        if count <= self.limit:
            return await handler(event, data)
        log.info("telegram user %s over the rate limit (%s)", user.id, count)
        first = count == self.limit + 1
        assert isinstance(event, Update)
        if event.callback_query is not None:  # always answered, or the button keeps spinning
            await event.callback_query.answer(texts.RATE_LIMITED, show_alert=first)
        elif event.message is not None and first:  # said once per window, then quiet
            await event.message.answer(texts.RATE_LIMITED)
        return None


class Identify(BaseMiddleware):
    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        data["person"] = await identify(self.sessions, user) if user is not None and not user.is_bot else None
        return await handler(event, data)
