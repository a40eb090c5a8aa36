"""Moving orders through their lifecycle: who may, what is legal, what is recorded."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from care import people
from care.access import ELDER, FAMILY, STAFF, Actor
from care.errors import Forbidden, IllegalTransition, Invalid, NotFound, TooLate
from care.models import OrderEvent, Outbox, Slot, Station
from care.orders import OrderRequest, place_order, station_queue, transition
from tests.conftest import NOW

DAY = date(2026, 11, 28)


async def station(db, code: str) -> Station:  # type: ignore[no-untyped-def]
    async with db.sessions() as session:
        return (await session.execute(select(Station).where(Station.code == code))).scalar_one()


async def placed(db, phone="13800000001", kind="meal", window="lunch", day=DAY):  # type: ignore[no-untyped-def]
    async with db.sessions() as session:
        elder = await people.elder_by_phone(session, phone)
    req = OrderRequest(elder_id=elder.id, kind=kind, date=day, window=window)
    return (await place_order(db.sessions, req, Actor(ELDER, elder.id), NOW)).order


async def staff_of(db, code: str) -> Actor:  # type: ignore[no-untyped-def]
    return Actor(STAFF, 99, station_id=(await station(db, code)).id, role="staff")


async def test_accept_start_complete_writes_an_event_and_notifications_each_step(demo) -> None:
    order = await placed(demo)
    staff = await staff_of(demo, "hz-xinhua")
    for action, status in (("accept", "accepted"), ("start", "in_progress"), ("complete", "completed")):
        result = await transition(demo.sessions, order.code, action, staff, NOW)
        assert result.changed and result.order.status == status
    async with demo.sessions() as session:
        events = (await session.execute(select(OrderEvent).where(OrderEvent.order_id == order.id)
                                        .order_by(OrderEvent.id))).scalars().all()
        topics = (await session.execute(select(Outbox.topic).where(Outbox.recipient_type == "family",
                                                                   Outbox.payload["order"].as_string() == order.code)))
    assert [(e.from_status, e.to_status) for e in events] == [
        (None, "pending"), ("pending", "accepted"), ("accepted", "in_progress"), ("in_progress", "completed")]
    assert all(e.actor == "staff:99" for e in events[1:])
    assert sorted(topics.scalars().all()) == sorted(
        ["order.pending", "order.accepted", "order.in_progress", "order.completed"])


async def test_a_double_clicked_accept_does_one_thing(demo) -> None:
    order = await placed(demo)
    staff = await staff_of(demo, "hz-xinhua")
    first = await transition(demo.sessions, order.code, "accept", staff, NOW)
    second = await transition(demo.sessions, order.code, "accept", staff, NOW)
    assert first.changed and not second.changed and second.order.status == "accepted"
    async with demo.sessions() as session:
        count = len((await session.execute(select(OrderEvent).where(OrderEvent.order_id == order.id))).all())
    assert count == 2


@pytest.mark.parametrize(("steps", "action"), [((), "complete"), ((), "start"), (("accept", "start"), "cancel"),
                                               (("reject",), "accept")])
async def test_illegal_transitions_are_refused_with_a_clear_reason(demo, steps, action) -> None:
    order = await placed(demo)
    staff = await staff_of(demo, "hz-xinhua")
    for step in steps:
        await transition(demo.sessions, order.code, step, staff, NOW, reason="厨房停电")
    with pytest.raises(IllegalTransition) as caught:
        await transition(demo.sessions, order.code, action, staff, NOW, reason="x")
    assert "不能" in caught.value.message_zh


async def test_rejecting_needs_a_reason_and_gives_the_place_back(demo) -> None:
    order = await placed(demo, kind="bath", window="afternoon")
    staff = await staff_of(demo, "hz-xinhua")
    with pytest.raises(Invalid):
        await transition(demo.sessions, order.code, "reject", staff, NOW, reason="  ")
    async with demo.sessions() as session:
        before = (await session.get(Slot, order.slot_id)).taken
    result = await transition(demo.sessions, order.code, "reject", staff, NOW, reason="助浴师傅请假")
    async with demo.sessions() as session:
        after = (await session.get(Slot, order.slot_id)).taken
        event = (await session.execute(select(OrderEvent).where(OrderEvent.order_id == order.id,
                                                                OrderEvent.to_status == "rejected"))).scalar_one()
    assert result.order.status == "rejected" and after == before - 1 and event.note == "助浴师傅请假"


async def test_staff_of_another_station_cannot_see_or_change_an_order(demo) -> None:
    order = await placed(demo)
    other = await staff_of(demo, "qd-huilong")
    with pytest.raises(NotFound):
        await transition(demo.sessions, order.code, "accept", other, NOW)
    async with demo.sessions() as session:
        queue = await station_queue(session, other.station_id, DAY)
    assert order.code not in {o.code for o in queue}


async def test_family_cancels_before_the_cutoff_but_not_after(demo) -> None:
    today = date(2026, 11, 26)
    order = await placed(demo, day=today)
    async with demo.sessions() as session:
        li = await people.family_by_phone(session, "13900000001")
        stranger = await people.family_by_phone(session, "13900000002")
    with pytest.raises(Forbidden):
        await transition(demo.sessions, order.code, "cancel", Actor(FAMILY, stranger.id), NOW)
    with pytest.raises(TooLate):
        await transition(demo.sessions, order.code, "cancel", Actor(FAMILY, li.id), NOW.replace(hour=10))
    result = await transition(demo.sessions, order.code, "cancel", Actor(FAMILY, li.id), NOW)
    assert result.order.status == "cancelled"


async def test_the_queue_is_ordered_by_date_window_and_creation(demo) -> None:
    dinner = await placed(demo, "13800000001", window="dinner")
    lunch_late = await placed(demo, "13800000007", window="lunch")  # 幸福路 → another station
    lunch = await placed(demo, "13800000004", window="lunch")
    xinhua = await station(demo, "hz-xinhua")
    async with demo.sessions() as session:
        queue = await station_queue(session, xinhua.id, DAY, days=1, kind="meal")
    assert [o.code for o in queue] == [lunch.code, dinner.code]
    assert lunch_late.station_id != xinhua.id
