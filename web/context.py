"""What the HTTP app is given: storage, a clock, secrets and the live-update bus (no globals)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

import nlu
from care.catalog import TZ
from care.db import SessionFactory
from knowledge import KnowledgeBase


def real_clock() -> datetime:
    return datetime.now(TZ)


class LiveBus:
    """Wakes the console's event streams when an order of a station changed in this process.

    Streams also poll the database every few seconds, so changes made by other processes
    (the bot, the phone line, the CLI) still arrive.
    """

    def __init__(self) -> None:
        self._waiters: dict[int, set[asyncio.Event]] = {}

    def publish(self, station_id: int) -> None:
        for event in self._waiters.get(station_id, set()):
            event.set()

    async def wait(self, station_id: int, timeout: float) -> None:
        event = asyncio.Event()
        self._waiters.setdefault(station_id, set()).add(event)
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            self._waiters[station_id].discard(event)


@dataclass
class AppContext:
    sessions: SessionFactory
    secret_key: bytes
    clock: Callable[[], datetime] = real_clock
    bus: LiveBus = field(default_factory=LiveBus)
    poll_seconds: float = 2.0
    secure_cookies: bool = False
    nlu: Callable[[], nlu.NLU] = nlu.default
    """Gives the loaded NLU model (trained or read from cache on first call)."""
    knowledge: Callable[[], KnowledgeBase] = KnowledgeBase.load
    """Gives the loaded knowledge base (built on first call)."""
    models_ready: bool = False
    """Set once ``serve`` has loaded both models (``/healthz`` says "loading" until then)."""
    extras: dict[str, Any] = field(default_factory=dict)


CONTEXT = web.AppKey("context", AppContext)


def context_of(request: web.Request) -> AppContext:
    return request.app[CONTEXT]
