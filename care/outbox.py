"""Storage operations on the outbox: claiming due rows, recording results, dead letters.

Rows are written by ``care.orders`` in the same transaction as the order event they announce. A
worker (``integrations.outbox``) claims due rows, delivers them outside any transaction, then marks
each delivered or failed. Claiming pushes ``available_at`` forward by a lease, so a second worker
passes over rows being delivered; a worker that dies mid-delivery leaves its rows to be claimed again
when the lease runs out (delivery is at least once; receivers dedupe on the outbox id).

On PostgreSQL the claim is ``SELECT … FOR UPDATE SKIP LOCKED`` followed by the lease ``UPDATE`` in
one transaction. On SQLite the same statements run inside ``BEGIN IMMEDIATE`` (see ``care.db``),
which already serialises writers; SQLAlchemy leaves ``FOR UPDATE`` out of SQLite's SQL.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from care.db import SessionFactory
from care.errors import NotFound
from care.models import Outbox

DONE_KEY = "_done"
"""Payload key listing the channels (deliverer names) that already delivered a row which is retried
because another channel failed; keys starting with ``_`` are internal and never sent out."""
MAX_ERROR_CHARS = 500


def default_jitter(delay: float) -> float:
    """Spread retries of many rows that failed together: 80–100 % of the computed delay."""
    return delay * random.uniform(0.8, 1.0)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: ``base * factor ** (attempt - 1)`` seconds, at most ``cap``, with jitter;
    after ``max_attempts`` failed attempts the row becomes a dead letter."""

    base: float = 10.0
    factor: float = 2.0
    cap: float = 3600.0
    max_attempts: int = 8
    jitter: Callable[[float], float] = field(default=default_jitter, compare=False)

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (1 for the first failure)."""
        seconds = min(self.cap, self.base * self.factor ** max(attempts - 1, 0))
        return timedelta(seconds=max(self.jitter(seconds), 0.0))


def _due(now: datetime, recipient_types: Collection[str] | None) -> list[Any]:
    conditions = [Outbox.delivered_at.is_(None), Outbox.dead.is_(False), Outbox.available_at <= now]
    if recipient_types is not None:
        conditions.append(Outbox.recipient_type.in_(sorted(recipient_types)))
    return conditions


async def claim_due(
    sessions: SessionFactory,
    now: datetime,
    limit: int = 50,
    lease: timedelta = timedelta(minutes=5),
    recipient_types: Collection[str] | None = None,
) -> list[Outbox]:
    """Claim up to ``limit`` due rows (oldest first) for ``lease``; no other worker gets them meanwhile.

    ``recipient_types`` limits the claim to the types some deliverer handles, so rows for a channel
    this process does not serve (say, elders while no SMS gateway is configured) stay waiting.
    The returned rows are detached snapshots taken at claim time.
    """
    if recipient_types is not None and not recipient_types:
        return []
    async with sessions() as session, session.begin():
        ids = list((await session.execute(
            select(Outbox.id).where(*_due(now, recipient_types))
            .order_by(Outbox.available_at, Outbox.id).limit(limit)
            .with_for_update(skip_locked=True)
        )).scalars().all())
        if not ids:
            return []
        await session.execute(
            update(Outbox).where(Outbox.id.in_(ids)).values(available_at=now + lease)
            .execution_options(synchronize_session=False)
        )
        rows = (await session.execute(select(Outbox).where(Outbox.id.in_(ids)).order_by(Outbox.id))).scalars().all()
    return list(rows)


async def mark_delivered(sessions: SessionFactory, row_id: int, now: datetime, note: str | None = None) -> bool:
    """Record a delivery (``note`` says why a row was skipped, if it was); False if already delivered."""
    async with sessions() as session, session.begin():
        result = await session.execute(
            update(Outbox).where(Outbox.id == row_id, Outbox.delivered_at.is_(None))
            .values(delivered_at=now, dead=False, last_error=note[:MAX_ERROR_CHARS] if note else None)
            .execution_options(synchronize_session=False)
        )
    return result.rowcount == 1


@dataclass(frozen=True)
class Failure:
    attempts: int
    dead: bool
    retry_at: datetime | None


async def mark_failed(
    sessions: SessionFactory,
    row: Outbox,
    error: str,
    now: datetime,
    policy: RetryPolicy | None = None,
    done: Sequence[str] = (),
) -> Failure | None:
    """Count a failed attempt: back off exponentially, or make it a dead letter after the last attempt.

    ``done`` names the channels that did deliver this time (kept in the payload so a retry skips them).
    Returns None when the row was delivered meanwhile (another worker after a lease ran out).
    """
    policy = policy or RetryPolicy()
    async with sessions() as session, session.begin():
        current = (await session.execute(
            select(Outbox).where(Outbox.id == row.id).with_for_update()
        )).scalars().first()
        if current is None or current.delivered_at is not None:
            return None
        attempts = current.attempts + 1
        dead = attempts >= policy.max_attempts
        retry_at = None if dead else now + policy.delay(attempts)
        values: dict[str, Any] = {"attempts": attempts, "dead": dead, "last_error": error[:MAX_ERROR_CHARS]}
        if retry_at is not None:
            values["available_at"] = retry_at
        already = list(current.payload.get(DONE_KEY, []))
        merged = already + [name for name in done if name not in already]
        if merged != already:
            values["payload"] = {**current.payload, DONE_KEY: merged}
        await session.execute(update(Outbox).where(Outbox.id == row.id).values(**values)
                              .execution_options(synchronize_session=False))
    return Failure(attempts, dead, retry_at)


def _concerning(station_id: int) -> Any:
    """Rows about a station: addressed to it, or about one of its orders (payload ``station_id``)."""
    return or_(
        (Outbox.recipient_type == "station") & (Outbox.recipient_id == station_id),
        Outbox.payload["station_id"].as_integer() == station_id,
    )


async def dead_letters(session: AsyncSession, station_id: int | None, limit: int = 200) -> list[Outbox]:
    """Dead letters, newest first: of one station (its staff see only theirs), or all (``None``, admins)."""
    query = select(Outbox).where(Outbox.dead.is_(True), Outbox.delivered_at.is_(None))
    if station_id is not None:
        query = query.where(_concerning(station_id))
    return list((await session.execute(query.order_by(Outbox.id.desc()).limit(limit))).scalars().all())


async def count_dead(session: AsyncSession, station_id: int | None) -> int:
    query = select(func.count(Outbox.id)).where(Outbox.dead.is_(True), Outbox.delivered_at.is_(None))
    if station_id is not None:
        query = query.where(_concerning(station_id))
    return int((await session.execute(query)).scalar() or 0)


async def retry_dead(session: AsyncSession, row_id: int, now: datetime, station_id: int | None = None) -> Outbox:
    """Put a dead letter back in the queue, due now, with a fresh count of attempts.

    With ``station_id`` only that station's dead letters can be requeued; any other row is reported
    as not found (staff of one station learn nothing about another's). The caller commits.
    """
    query = select(Outbox).where(Outbox.id == row_id, Outbox.dead.is_(True), Outbox.delivered_at.is_(None))
    if station_id is not None:
        query = query.where(_concerning(station_id))
    row = (await session.execute(query.with_for_update())).scalars().first()
    if row is None:
        raise NotFound("找不到这条发送失败的通知，可能已经重新发送了。", "no such dead letter")
    row.dead = False
    row.attempts = 0
    row.available_at = now
    await session.flush()
    return row


async def pending_count(session: AsyncSession, now: datetime) -> int:
    """Rows due now and not yet delivered (for health and metrics)."""
    return int((await session.execute(select(func.count(Outbox.id)).where(*_due(now, None)))).scalar() or 0)
