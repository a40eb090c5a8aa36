"""The outbox worker: delivers the notifications ``care`` queues with each order event.

A *deliverer* is one channel (provider webhooks, Telegram, later an SMS gateway). The worker claims
due rows whose recipient type some deliverer handles, hands each row to every deliverer for that
type, and records the result: delivered, skipped (a deliverer decided the row does not apply, e.g. a
family member without Telegram), or failed (retried with exponential backoff, a dead letter after the
last attempt; staff see dead letters at ``/staff/outbox`` and can send them again).

When one channel of a row fails and another succeeded, the successful channel's name is kept in the
row (``care.outbox.DONE_KEY``) and is not repeated on the retry. Delivery is at least once: a worker
that dies after sending but before recording sends again after the lease; receivers dedupe on the id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from care import codes
from care.catalog import TZ
from care.db import SessionFactory
from care.models import Elder, FamilyMember, Order, Outbox, Staff
from care.outbox import DONE_KEY, RetryPolicy, claim_due, mark_delivered, mark_failed
from care.privacy import mask_personal

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


class Skipped(Exception):
    """Raised by a deliverer when a row does not apply to its channel; the reason is kept as a note."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeliveryFailed(Exception):
    """A failed delivery with a message fit for the staff page (it is kept as ``last_error``)."""


@runtime_checkable
class Deliverer(Protocol):
    """One outside channel.

    ``deliver`` returns when the row was delivered, raises ``Skipped`` when it does not apply to this
    channel, and raises anything else on failure (the row is retried). ``session`` is for look-ups;
    end its transaction (``await session.rollback()``) before network I/O, because on SQLite every
    transaction holds the database's write lock.
    """

    name: str
    recipient_types: frozenset[str]

    async def deliver(self, row: Outbox, session: AsyncSession) -> None: ...


def real_clock() -> datetime:
    return datetime.now(TZ)


@dataclass
class Counts:
    """What one pass of the worker did."""

    claimed: int = 0
    delivered: int = 0
    skipped: int = 0
    failed: int = 0
    dead: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class OutboxWorker:
    """Claims due outbox rows and hands them to the deliverers; ``run_once`` for one pass."""

    sessions: SessionFactory
    deliverers: Sequence[Deliverer]
    clock: Clock = real_clock
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    batch: int = 50
    lease: timedelta = timedelta(minutes=5)
    """How long a claimed row is kept from other workers; longer than a batch can take to deliver."""
    concurrency: int = 8
    sleep: Sleep = asyncio.sleep
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    def __post_init__(self) -> None:
        names = [d.name for d in self.deliverers]
        if len(set(names)) != len(names):
            raise ValueError(f"deliverer names must be unique: {names}")

    @property
    def recipient_types(self) -> frozenset[str]:
        return frozenset().union(*(d.recipient_types for d in self.deliverers))

    def wake(self) -> None:
        """Deliver now instead of at the next interval (call after committing new outbox rows)."""
        self._wake.set()

    async def run_once(self) -> Counts:
        """Claim one batch of due rows and deliver it; returns what happened."""
        counts = Counts()
        rows = await claim_due(self.sessions, self.clock(), self.batch, self.lease, self.recipient_types)
        counts.claimed = len(rows)
        if not rows:
            return counts
        limit = asyncio.Semaphore(self.concurrency)

        async def one(row: Outbox) -> None:
            async with limit:
                await self._deliver(row, counts)

        await asyncio.gather(*(one(row) for row in rows))
        return counts

    async def _deliver(self, row: Outbox, counts: Counts) -> None:
        done = list(row.payload.get(DONE_KEY, []))
        delivered_now: list[str] = []
        skipped: list[str] = []
        errors: list[str] = []
        for deliverer in self.deliverers:
            if row.recipient_type not in deliverer.recipient_types or deliverer.name in done:
                continue
            try:
                async with self.sessions() as session:
                    await deliverer.deliver(row, session)
            except Skipped as skip:
                skipped.append(f"{deliverer.name}: {skip.reason}")
            except Exception as exc:  # any failure of a channel is retried, never lost
                errors.append(f"{deliverer.name}: {describe_error(exc)}")
            else:
                delivered_now.append(deliverer.name)
        now = self.clock()
        if errors:
            message = mask_personal("; ".join(errors))
            failure = await mark_failed(self.sessions, row, message, now, self.policy, done=delivered_now)
            if failure is None:
                return
            if failure.dead:
                counts.dead += 1
                log.warning("outbox %s (%s to %s) is a dead letter after %d attempts: %s", row.id, row.topic,
                            row.recipient_type, failure.attempts, message)
            else:
                counts.failed += 1
                log.info("outbox %s (%s to %s) failed, attempt %d, retry at %s: %s", row.id, row.topic,
                         row.recipient_type, failure.attempts, failure.retry_at, message)
            return
        if delivered_now or done:
            note = mask_personal("; ".join(f"跳过 {s}" for s in skipped)) if skipped else None
            counts.delivered += 1
        else:
            note = mask_personal("跳过 " + "; ".join(skipped)) if skipped else "跳过：没有适用的发送渠道"
            counts.skipped += 1
        await mark_delivered(self.sessions, row.id, now, note)

    async def run_forever(self, stop: asyncio.Event, interval: float = 5.0) -> None:
        """Pass after pass until ``stop`` is set; waits ``interval`` seconds when nothing was due."""
        while not stop.is_set():
            self._wake.clear()  # a wake-up during the pass below ends the following wait at once
            try:
                counts = await self.run_once()
            except Exception:
                log.exception("outbox pass failed")
                counts = Counts()
            if counts.claimed >= self.batch:
                continue  # more may be waiting
            await self._idle(stop, interval)

    async def _idle(self, stop: asyncio.Event, interval: float) -> None:
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait()),
                 asyncio.ensure_future(self.sleep(interval))]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
            for task in waits:
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def describe_error(exc: BaseException) -> str:
    """A short line for ``last_error`` and the logs."""
    if isinstance(exc, DeliveryFailed):
        return str(exc)
    if isinstance(exc, TimeoutError):
        return "超时"
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --- Telegram -------------------------------------------------------------------------------------

Send = Callable[[int, str, Outbox], Awaitable[Any]]
"""Sends ``text`` to a Telegram chat; the row lets the bot add buttons (e.g. 接单 on a new order)."""
Render = Callable[[str, dict[str, Any], str, Order | None, str | None], str]
"""``assistant.notices.notice``: (topic, payload, audience, order or None, elder's name) -> the message."""


@dataclass
class TelegramDeliverer:
    """Notifications in Telegram (order events, emergencies, complaints, requests for a person) for a
    station's staff with a Telegram id and for family members.

    ``send`` and ``render`` are given by the wiring (the bot's ``send_message`` and
    ``assistant.notices.notice``), so this room imports neither aiogram nor the assistant.
    Elders have no Telegram; a station without staff in Telegram or a family member who never
    linked a Telegram account is skipped with a note. When some of a station's chats fail the row is
    retried and the chats that got it hear it again (Telegram messages are not deduplicated).
    """

    send: Send
    render: Render
    name: str = "telegram"
    recipient_types: frozenset[str] = frozenset({"station", "family"})

    async def deliver(self, row: Outbox, session: AsyncSession) -> None:
        chats = await self._chats(row, session)
        if not chats:
            raise Skipped("服务站没有绑定Telegram的工作人员" if row.recipient_type == "station"
                          else "家属没有绑定Telegram")
        order_id = codes.decode(str(row.payload.get("order") or ""))
        order = await session.get(Order, order_id) if order_id is not None else None
        if order is None and row.topic.startswith("order."):
            raise Skipped("找不到这个订单")
        elder_id = row.payload.get("elder_id")
        elder = await session.get(Elder, elder_id) if isinstance(elder_id, int) else None
        text = self.render(row.topic, row.payload, row.recipient_type, order, elder.name if elder else None)
        await session.rollback()  # no transaction (SQLite's write lock) held while talking to Telegram
        failures = []
        for chat in chats:
            try:
                await self.send(chat, text, row)
            except Exception as exc:
                failures.append(describe_error(exc))
        if failures:
            raise DeliveryFailed(f"{len(failures)}/{len(chats)} 个聊天没有送达：{failures[0]}")

    async def _chats(self, row: Outbox, session: AsyncSession) -> list[int]:
        if row.recipient_type == "station":
            query = select(Staff.telegram_id).where(Staff.station_id == row.recipient_id, Staff.active.is_(True),
                                                    Staff.telegram_id.is_not(None)).order_by(Staff.id)
        else:
            query = select(FamilyMember.telegram_id).where(FamilyMember.id == row.recipient_id,
                                                           FamilyMember.telegram_id.is_not(None))
        return [chat for chat in (await session.execute(query)).scalars().all() if chat is not None]
