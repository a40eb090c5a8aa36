"""Provider webhooks through the outbox worker against a real receiver on 127.0.0.1 (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from care.errors import NotFound
from care.models import Outbox
from care.outbox import RetryPolicy, dead_letters, retry_dead
from care.people import station_by_code
from integrations.outbox import OutboxWorker
from integrations.webhooks import WebhookDeliverer, WebhookTarget, verify_signature
from tests.integrations.conftest import SECRET

NO_JITTER = RetryPolicy(jitter=lambda delay: delay)


async def station_id(db, code: str = "hz-xinhua") -> int:  # type: ignore[no-untyped-def]
    async with db.sessions() as session:
        return (await station_by_code(session, code)).id


async def station_rows(db, sid: int) -> list[Outbox]:  # type: ignore[no-untyped-def]
    async with db.sessions() as session:
        return list((await session.execute(
            select(Outbox).where(Outbox.recipient_type == "station", Outbox.recipient_id == sid).order_by(Outbox.id)
        )).scalars().all())


async def all_station_rows(db) -> int:  # type: ignore[no-untyped-def]
    async with db.sessions() as session:
        return len((await session.execute(select(Outbox.id).where(Outbox.recipient_type == "station"))).all())


def webhook(receiver, timeout: float = 5.0) -> WebhookDeliverer:  # type: ignore[no-untyped-def]
    return WebhookDeliverer({"hz-xinhua": WebhookTarget(station="hz-xinhua", url=receiver.url, secret=SECRET)},
                            timeout=timeout)


async def test_a_failing_receiver_gets_each_event_again_after_the_backoff_and_exactly_once_in_the_end(
        demo, receiver, clock) -> None:  # type: ignore[no-untyped-def]
    receiver.fail_first = 1
    deliverer = webhook(receiver)
    worker = OutboxWorker(demo.sessions, [deliverer], clock=clock, policy=NO_JITTER)
    sid = await station_id(demo)
    try:
        mine, everyone = len(await station_rows(demo, sid)), await all_station_rows(demo)
        assert 0 < mine < everyone
        first = await worker.run_once()
        # 新华's orders fail (500 now); those of stations without a webhook are skipped.
        assert (first.claimed, first.failed, first.skipped, first.delivered) == (everyone, mine, everyone - mine, 0)
        rows = await station_rows(demo, sid)
        assert [r.attempts for r in rows] == [1] * mine
        assert all(r.delivered_at is None and not r.dead and "HTTP 500" in (r.last_error or "") for r in rows)
        assert {r.available_at for r in rows} == {clock.now + timedelta(seconds=10)}

        clock.advance(seconds=9)
        assert (await worker.run_once()).claimed == 0  # still backing off
        clock.advance(seconds=1)
        second = await worker.run_once()
        assert (second.claimed, second.delivered, second.failed) == (mine, mine, 0)
        clock.advance(hours=2)
        assert (await worker.run_once()).claimed == 0
    finally:
        await deliverer.close()

    rows = await station_rows(demo, sid)
    assert all(r.delivered_at == clock.now - timedelta(hours=2) and r.attempts == 1 for r in rows)
    assert len(receiver.requests) == 2 * mine
    ok = receiver.succeeded()
    assert sorted(r.delivery for r in ok) == sorted(str(r.id) for r in rows)  # each event delivered once
    for got in ok:
        assert verify_signature(SECRET, got.body, got.signature)
        assert not verify_signature("another-secret-0123", got.body, got.signature)
        assert not verify_signature(SECRET, got.body.replace(b"pending", b"accepted"), got.signature)
        event = json.loads(got.body)
        assert event["id"] == int(got.delivery) and event["topic"] == got.topic == "order.pending"
        assert event["event"] == "pending" and event["station_id"] == sid and event["from"] is None
        assert event["order"].isdigit() and event["created_at"].startswith("2026-11-26T08:00:00+08:00")
        assert not any(key.startswith("_") for key in event)
    # The same delivery id on the failed attempt and the retry: receivers dedupe on it.
    assert sorted(r.delivery for r in receiver.requests if r.status == 500) == sorted(r.delivery for r in ok)


async def test_a_receiver_that_never_answers_well_leaves_dead_letters_staff_can_requeue(
        demo, receiver, clock) -> None:  # type: ignore[no-untyped-def]
    receiver.fail_always = True
    deliverer = webhook(receiver)
    policy = RetryPolicy(base=10, factor=2, cap=25, max_attempts=4, jitter=lambda d: d)
    worker = OutboxWorker(demo.sessions, [deliverer], clock=clock, policy=policy)
    sid, other = await station_id(demo), await station_id(demo, "ly-xugou")
    waits = []
    try:
        for _ in range(4):
            counts = await worker.run_once()
            rows = await station_rows(demo, sid)
            if rows[0].dead:
                break
            waits.append((rows[0].available_at - clock.now).total_seconds())
            clock.now = rows[0].available_at
        assert waits == [10, 20, 25]  # exponential, then capped
        mine = len(rows)
        assert counts.dead == mine and counts.failed == 0
        assert all(r.dead and r.attempts == 4 and r.delivered_at is None for r in rows)
        clock.advance(days=1)
        assert (await worker.run_once()).claimed == 0  # dead letters are not retried by themselves

        async with demo.sessions() as session:
            letters = await dead_letters(session, sid)
            assert sorted(r.id for r in letters) == sorted(r.id for r in rows)
            assert await dead_letters(session, other) == []  # another station sees none of them
            assert len(await dead_letters(session, None)) == mine
        async with demo.sessions() as session, session.begin():
            with pytest.raises(NotFound):
                await retry_dead(session, rows[0].id, clock.now, station_id=other)
            await retry_dead(session, rows[0].id, clock.now, station_id=sid)

        receiver.fail_always = False
        again = await worker.run_once()
        assert (again.claimed, again.delivered) == (1, 1)
    finally:
        await deliverer.close()
    rows = await station_rows(demo, sid)
    assert rows[0].delivered_at == clock.now and not rows[0].dead
    assert [r.dead for r in rows[1:]] == [True] * (mine - 1)
    assert [r.delivery for r in receiver.succeeded()] == [str(rows[0].id)]


async def test_no_answer_within_the_timeout_counts_as_a_failure(demo, receiver, clock) -> None:  # type: ignore[no-untyped-def]
    receiver.hang = True
    deliverer = webhook(receiver, timeout=0.3)
    worker = OutboxWorker(demo.sessions, [deliverer], clock=clock, policy=NO_JITTER)
    try:
        counts = await worker.run_once()
        rows = await station_rows(demo, await station_id(demo))
        assert (counts.failed, counts.delivered) == (len(rows), 0)
        assert all(r.attempts == 1 and r.delivered_at is None and "超时" in (r.last_error or "") for r in rows)
        receiver.hang = False
        receiver.release.set()
        deliverer.timeout = 10  # a loaded test machine may need more than 0.3 s for a real answer
        clock.advance(seconds=10)
        assert (await worker.run_once()).delivered == len(rows)
    finally:
        await deliverer.close()


async def _deliver_once_to(demo, clock, url: str, **options):  # type: ignore[no-untyped-def]
    """One worker round with hz-xinhua's webhook at ``url``; the counts and the station's rows after it."""
    deliverer = WebhookDeliverer({"hz-xinhua": WebhookTarget(station="hz-xinhua", url=url, secret=SECRET)}, **options)
    worker = OutboxWorker(demo.sessions, [deliverer], clock=clock, policy=NO_JITTER)
    try:
        counts = await worker.run_once()
    finally:
        await deliverer.close()
    return counts, await station_rows(demo, await station_id(demo))


async def test_an_unreachable_receiver_is_a_failure(demo, clock, unused_tcp_port) -> None:  # type: ignore[no-untyped-def]
    counts, rows = await _deliver_once_to(demo, clock, f"http://127.0.0.1:{unused_tcp_port}/hook", timeout=2)
    assert counts.failed == len(rows) > 0
    assert all("连接失败" in (r.last_error or "") for r in rows)


async def test_a_redirect_is_not_followed_and_counts_as_a_failure(demo, receiver, clock) -> None:  # type: ignore[no-untyped-def]
    counts, rows = await _deliver_once_to(demo, clock, receiver.url.replace("/hook", "/moved"))
    assert counts.failed == len(rows) > 0 and receiver.requests == []
    assert all("HTTP 307" in (r.last_error or "") for r in rows)
