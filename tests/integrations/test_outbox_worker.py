"""The outbox worker and its storage: concurrent workers, skipped rows, several channels, the loop."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import timedelta

from sqlalchemy import insert, select, update

from assistant.notices import notice
from care.models import FamilyMember, Outbox, Staff
from care.outbox import DONE_KEY, RetryPolicy, claim_due
from care.people import station_by_code
from integrations.outbox import OutboxWorker, Skipped, TelegramDeliverer
from integrations.webhooks import WebhookDeliverer, WebhookTarget
from tests.conftest import NOW
from tests.integrations.conftest import SECRET

NO_JITTER = RetryPolicy(jitter=lambda delay: delay)


class Recorder:
    """Delivers everything, slowly enough for two workers to overlap, and remembers what it got."""

    name = "recorder"
    recipient_types = frozenset({"station", "elder", "family"})

    def __init__(self) -> None:
        self.got: list[int] = []

    async def deliver(self, row, session) -> None:  # type: ignore[no-untyped-def]
        await session.rollback()
        await asyncio.sleep(0.005)
        self.got.append(row.id)


def extra_rows(count: int) -> list[dict]:  # type: ignore[type-arg]
    return [{"topic": "order.pending", "recipient_type": "station", "recipient_id": 1, "payload": {"n": n},
             "created_at": NOW, "available_at": NOW, "attempts": 0, "dead": False} for n in range(count)]


async def all_rows(db) -> list[Outbox]:  # type: ignore[no-untyped-def]
    async with db.sessions() as session:
        return list((await session.execute(select(Outbox).order_by(Outbox.id))).scalars().all())


def test_backoff_doubles_from_the_base_up_to_the_cap_and_jitter_only_shortens_it() -> None:
    policy = RetryPolicy(base=10, factor=2, cap=300, jitter=lambda d: d)
    assert [policy.delay(n).total_seconds() for n in range(1, 8)] == [10, 20, 40, 80, 160, 300, 300]
    jittered = RetryPolicy(base=10, factor=2, cap=300)
    assert all(8 <= jittered.delay(1).total_seconds() <= 10 for _ in range(50))


async def test_two_workers_running_at_once_deliver_every_row_exactly_once(demo) -> None:  # type: ignore[no-untyped-def]
    async with demo.sessions() as session, session.begin():
        await session.execute(insert(Outbox), extra_rows(60))
    first, second = Recorder(), Recorder()
    workers = [OutboxWorker(demo.sessions, [d], clock=lambda: NOW, batch=4) for d in (first, second)]

    async def drain(worker: OutboxWorker) -> int:
        passes = 0
        while (await worker.run_once()).claimed:
            passes += 1
        return passes

    await asyncio.gather(*(drain(w) for w in workers))
    rows = await all_rows(demo)
    assert len(rows) >= 60 + 6
    delivered = Counter(first.got + second.got)
    assert sorted(delivered) == [r.id for r in rows]
    assert set(delivered.values()) == {1}
    assert all(r.delivered_at == NOW and r.last_error is None for r in rows)


async def test_claims_made_at_the_same_moment_get_different_rows(demo) -> None:  # type: ignore[no-untyped-def]
    async with demo.sessions() as session, session.begin():
        await session.execute(insert(Outbox), extra_rows(12))
    claims = await asyncio.gather(*(claim_due(demo.sessions, NOW, limit=3) for _ in range(4)))
    ids = [row.id for claim in claims for row in claim]
    assert all(len(claim) == 3 for claim in claims[:-1]) and len(ids) == len(set(ids)) == 12


async def test_a_claimed_row_is_not_claimed_again_until_its_lease_runs_out(demo) -> None:  # type: ignore[no-untyped-def]
    claimed = await claim_due(demo.sessions, NOW, limit=1000, lease=timedelta(minutes=5))
    assert claimed and await claim_due(demo.sessions, NOW + timedelta(minutes=4), 1000) == []
    again = await claim_due(demo.sessions, NOW + timedelta(minutes=5), 1000)
    assert sorted(r.id for r in again) == sorted(r.id for r in claimed)  # a crashed worker's rows come back
    assert await claim_due(demo.sessions, NOW, 1000, recipient_types=()) == []
    only = await claim_due(demo.sessions, NOW + timedelta(hours=1), 1000, recipient_types={"family"})
    assert only and {r.recipient_type for r in only} == {"family"}


async def test_telegram_notices_and_skips_for_people_without_telegram(demo, clock) -> None:  # type: ignore[no-untyped-def]
    async with demo.sessions() as session, session.begin():
        station = await station_by_code(session, "hz-xinhua")
        await session.execute(update(Staff).where(Staff.username == "xinhua").values(telegram_id=7001))
        await session.execute(update(Staff).where(Staff.username == "xinhua2").values(telegram_id=7002))
        family = list((await session.execute(select(FamilyMember).order_by(FamilyMember.id))).scalars().all())
        await session.execute(update(FamilyMember).where(FamilyMember.id == family[0].id).values(telegram_id=8001))
    sent: list[tuple[int, str, int]] = []

    async def send(chat: int, text: str, row: Outbox) -> None:
        sent.append((chat, text, row.id))

    worker = OutboxWorker(demo.sessions, [TelegramDeliverer(send, notice)], clock=clock, policy=NO_JITTER)
    counts = await worker.run_once()
    rows = await all_rows(demo)
    ours = [r for r in rows if r.recipient_type in ("station", "family")]
    assert counts.claimed == len(ours) and counts.failed == 0
    xinhua = [r for r in ours if r.recipient_type == "station" and r.recipient_id == station.id]
    linked = [r for r in ours if r.recipient_type == "family" and r.recipient_id == family[0].id]
    assert xinhua
    assert sorted((chat, rid) for chat, _, rid in sent) == sorted(
        [(7001, r.id) for r in xinhua] + [(7002, r.id) for r in xinhua] + [(8001, r.id) for r in linked])
    for chat, text, rid in sent:
        row = next(r for r in rows if r.id == rid)
        assert row.payload["order"] in text
        assert ("新订单" in text) if chat < 8000 else ("等待服务站确认" in text)
    assert counts.delivered == len(xinhua) + len(linked)
    assert counts.skipped == len(ours) - counts.delivered
    for row in ours:
        assert row.delivered_at == clock.now
        if row in xinhua or row in linked:
            assert row.last_error is None
        elif row.recipient_type == "family":
            assert row.last_error == "跳过 telegram: 家属没有绑定Telegram"
        else:
            assert row.last_error == "跳过 telegram: 服务站没有绑定Telegram的工作人员"
    assert all(r.delivered_at is None for r in rows if r.recipient_type == "elder")  # no channel for elders yet


async def test_a_channel_that_delivered_is_not_repeated_when_another_channel_of_the_row_failed(
        demo, receiver, clock) -> None:  # type: ignore[no-untyped-def]
    receiver.fail_first = 1
    async with demo.sessions() as session, session.begin():
        station = await station_by_code(session, "hz-xinhua")
        await session.execute(update(Staff).where(Staff.username == "xinhua").values(telegram_id=7001))
    sent: list[int] = []

    async def send(chat: int, text: str, row: Outbox) -> None:
        sent.append(row.id)

    hook = WebhookDeliverer({"hz-xinhua": WebhookTarget(station="hz-xinhua", url=receiver.url, secret=SECRET)})
    worker = OutboxWorker(demo.sessions, [TelegramDeliverer(send, notice), hook], clock=clock, policy=NO_JITTER)
    try:
        first = await worker.run_once()
        async with demo.sessions() as session:
            rows = list((await session.execute(select(Outbox).where(
                Outbox.recipient_type == "station", Outbox.recipient_id == station.id))).scalars().all())
        assert rows and first.failed == len(rows)
        assert all(r.payload[DONE_KEY] == ["telegram"] and r.delivered_at is None for r in rows)
        clock.advance(seconds=10)
        second = await worker.run_once()
        assert second.delivered == len(rows) and second.failed == 0
    finally:
        await hook.close()
    assert sorted(sent) == sorted(r.id for r in rows)  # Telegram once per row, not again on the retry
    assert sorted(r.delivery for r in receiver.succeeded()) == sorted(str(r.id) for r in rows)


async def test_errors_are_logged_and_kept_with_phone_numbers_masked(demo, clock, caplog) -> None:  # type: ignore[no-untyped-def]
    class Broken:
        name = "sms"
        recipient_types = frozenset({"elder"})

        async def deliver(self, row, session) -> None:  # type: ignore[no-untyped-def]
            if row.id % 2:
                raise Skipped("老人没有手机")
            raise RuntimeError("gateway refused 13800000004")

    worker = OutboxWorker(demo.sessions, [Broken()], clock=clock, policy=RetryPolicy(max_attempts=1))
    with caplog.at_level(logging.INFO, logger="integrations.outbox"):
        counts = await worker.run_once()
    rows = [r for r in await all_rows(demo) if r.recipient_type == "elder"]
    assert counts.dead == sum(1 for r in rows if r.id % 2 == 0) > 0
    assert counts.skipped == sum(1 for r in rows if r.id % 2 == 1)
    assert "13800000004" not in caplog.text and "138****0004" in caplog.text
    for row in rows:
        if row.id % 2 == 0:
            assert row.dead and row.last_error == "sms: RuntimeError: gateway refused 138****0004"
        else:
            assert row.delivered_at == clock.now and row.last_error == "跳过 sms: 老人没有手机"


async def test_run_forever_delivers_waits_when_idle_wakes_up_early_and_stops(demo, clock) -> None:  # type: ignore[no-untyped-def]
    recorder, stop, idle = Recorder(), asyncio.Event(), []
    worker: OutboxWorker

    async def sleep(seconds: float) -> None:
        idle.append(seconds)
        if len(idle) == 1:
            async with demo.sessions() as session, session.begin():
                await session.execute(insert(Outbox).values(
                    topic="order.accepted", recipient_type="station", recipient_id=1, payload={"late": True},
                    created_at=clock.now, available_at=clock.now, attempts=0, dead=False))
            worker.wake()
            await asyncio.Event().wait()  # would sleep for ever: only the wake-up continues the loop
        else:
            stop.set()

    worker = OutboxWorker(demo.sessions, [recorder], clock=clock, sleep=sleep, batch=1000)
    await asyncio.wait_for(worker.run_forever(stop, interval=7.5), timeout=10)
    rows = await all_rows(demo)
    assert idle == [7.5, 7.5]
    assert sorted(recorder.got) == [r.id for r in rows] and rows[-1].payload == {"late": True}
    assert all(r.delivered_at is not None for r in rows)


async def test_run_forever_keeps_going_after_a_failed_pass(demo, clock) -> None:  # type: ignore[no-untyped-def]
    recorder, stop, calls = Recorder(), asyncio.Event(), []
    worker = OutboxWorker(demo.sessions, [recorder], clock=clock)
    real_run_once = worker.run_once

    async def flaky():  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("database restarting")
        stop.set()
        return await real_run_once()

    async def no_sleep(seconds: float) -> None:
        await asyncio.sleep(0)

    worker.run_once = flaky  # type: ignore[method-assign]
    worker.sleep = no_sleep
    await asyncio.wait_for(worker.run_forever(stop, interval=1), timeout=10)
    assert len(calls) == 2 and recorder.got
