"""Placing orders: station choice, prices, deadlines, idempotency, capacity under concurrency."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from care import people
from care.access import ELDER, FAMILY, STAFF, Actor
from care.errors import Duplicate, Forbidden, Full, Invalid, NotFound, TooLate
from care.models import Order, OrderEvent, Outbox, Slot, Station
from care.orders import OrderRequest, place_order, station_queue
from tests.conftest import NOW

# The demo already holds orders for 11-27 and a bath on 11-28; 11-28's meals are free.
DAY = date(2026, 11, 28)


async def elder(db, phone: str):  # type: ignore[no-untyped-def]
    async with db.sessions() as session:
        found = await people.elder_by_phone(session, phone)
    assert found is not None
    return found


async def family(db, phone: str):  # type: ignore[no-untyped-def]
    async with db.sessions() as session:
        found = await people.family_by_phone(session, phone)
    assert found is not None
    return found


def meal(elder_id: int, **kw) -> OrderRequest:  # type: ignore[no-untyped-def]
    return OrderRequest(**{"elder_id": elder_id, "kind": "meal", "date": DAY, "window": "lunch", **kw})


async def test_an_elder_books_lunch_at_the_station_serving_their_community(demo) -> None:
    wang = await elder(demo, "13800000001")
    placed = await place_order(demo.sessions, meal(wang.id, quantity=2), Actor(ELDER, wang.id), NOW)
    order = placed.order
    assert placed.created and order.status == "pending"
    assert order.station.code == "hz-xinhua"
    assert len(order.code) == 6 and order.code.isdigit()
    # 王秀英 has 低保: she pays 5 元 a portion of the 15 元 meal, the rest is subsidy.
    assert (order.unit_price_fen, order.amount_due_fen, order.subsidy_fen) == (1500, 1000, 2000)
    assert order.diet == "少盐"
    async with demo.sessions() as session:
        events = (await session.execute(select(OrderEvent).where(OrderEvent.order_id == order.id))).scalars().all()
        outbox = (await session.execute(select(Outbox).where(Outbox.payload["order"].as_string() == order.code)))
        recipients = sorted((o.recipient_type, o.topic) for o in outbox.scalars().all())
    assert [(e.from_status, e.to_status, e.actor) for e in events] == [(None, "pending", f"elder:{wang.id}")]
    assert recipients == [("elder", "order.pending"), ("family", "order.pending"), ("station", "order.pending")]


async def test_a_family_member_books_only_for_linked_elders(demo) -> None:
    li = await family(demo, "13900000001")
    mother = await elder(demo, "13800000001")
    stranger = await elder(demo, "13800000002")
    placed = await place_order(demo.sessions, meal(mother.id), Actor(FAMILY, li.id), NOW)
    assert placed.order.placed_by == f"family:{li.id}"
    with pytest.raises(Forbidden):
        await place_order(demo.sessions, meal(stranger.id), Actor(FAMILY, li.id), NOW)


async def test_staff_book_only_for_elders_their_station_serves(demo) -> None:
    async with demo.sessions() as session:
        xinhua = (await session.execute(select(Station).where(Station.code == "hz-xinhua"))).scalar_one()
    staff = Actor(STAFF, 1, station_id=xinhua.id, role="staff")
    wang, zhang = await elder(demo, "13800000001"), await elder(demo, "13800000002")
    assert (await place_order(demo.sessions, meal(wang.id), staff, NOW)).created
    with pytest.raises(NotFound):
        await place_order(demo.sessions, meal(zhang.id), staff, NOW)


@pytest.mark.parametrize(
    ("request_kw", "error"),
    [
        ({"date": date(2026, 11, 26), "window": "lunch"}, None),  # today before 09:30: fine
        ({"date": date(2026, 11, 26), "window": "breakfast"}, TooLate),  # breakfast closes the evening before
        ({"kind": "bath", "date": date(2026, 11, 26), "window": "morning"}, TooLate),  # baths a day ahead
        ({"date": date(2026, 11, 25)}, Invalid),  # the past
        ({"date": date(2026, 11, 26) + timedelta(days=14)}, Invalid),  # beyond the 14-day horizon
        ({"quantity": 0}, Invalid),
        ({"quantity": 10}, Invalid),
        ({"kind": "home_visit", "window": "morning"}, Invalid),  # which kind of visit?
        ({"kind": "taxi"}, Invalid),
        ({"window": "midnight"}, Invalid),
    ],
)
async def test_requests_are_checked_against_catalog_and_clock(demo, request_kw, error) -> None:
    wang = await elder(demo, "13800000001")
    place = place_order(demo.sessions, meal(wang.id, **request_kw), Actor(ELDER, wang.id), NOW)
    if error is None:
        assert (await place).created
    else:
        with pytest.raises(error):
            await place


async def test_lunch_closes_at_half_past_nine(demo) -> None:
    wang = await elder(demo, "13800000001")
    late = NOW.replace(hour=9, minute=30)
    with pytest.raises(TooLate) as caught:
        await place_order(demo.sessions, meal(wang.id, date=date(2026, 11, 26)), Actor(ELDER, wang.id), late)
    assert "09:30" in caught.value.message_zh


async def test_a_retry_with_the_same_key_returns_the_same_order_and_takes_capacity_once(demo) -> None:
    wang = await elder(demo, "13800000001")
    req = meal(wang.id, quantity=3, idempotency_key="tg-update-77")
    first = await place_order(demo.sessions, req, Actor(ELDER, wang.id), NOW)
    again = await asyncio.gather(*(place_order(demo.sessions, req, Actor(ELDER, wang.id), NOW) for _ in range(5)))
    assert first.created and not any(p.created for p in again)
    assert {p.order.code for p in again} == {first.order.code}
    async with demo.sessions() as session:
        slot = await session.get(Slot, first.order.slot_id)
        same_day = select(Order).where(Order.elder_id == wang.id, Order.date == DAY, Order.kind == "meal")
        count = len((await session.execute(same_day)).scalars().all())
    assert slot.taken == 3
    assert count == 1


async def test_the_same_window_cannot_be_booked_twice_by_one_elder(demo) -> None:
    wang = await elder(demo, "13800000001")
    await place_order(demo.sessions, meal(wang.id, date=date(2026, 11, 26)), Actor(ELDER, wang.id), NOW)
    with pytest.raises(Duplicate):
        await place_order(demo.sessions, meal(wang.id, date=date(2026, 11, 26)), Actor(ELDER, wang.id), NOW)


async def _many_elders(db, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    async with db.sessions() as session, session.begin():
        made = [
            await people.add_elder(session, name=f"老人{i}", phone=f"1370000{i:04d}", address=f"新华路{i}号",
                                   community="新华社区", economic="none")
            for i in range(count)
        ]
    return [e.id for e in made]


async def test_fifty_concurrent_placements_for_the_last_five_bath_places(demo) -> None:
    ids = await _many_elders(demo, 50)
    day = date(2026, 11, 28)
    async with demo.sessions() as session, session.begin():
        station = (await session.execute(select(Station).where(Station.code == "hz-xinhua"))).scalar_one()
        # The demo holds a bath on 11-28 morning here; leave exactly five places.
        await session.execute(update(Slot).where(Slot.station_id == station.id, Slot.kind == "bath",
                                                 Slot.date == day, Slot.window == "morning")
                              .values(capacity=Slot.taken + 5))

    async def attempt(elder_id: int) -> str:
        req = OrderRequest(elder_id=elder_id, kind="bath", date=day, window="morning")
        try:
            await place_order(demo.sessions, req, Actor(ELDER, elder_id), NOW)
            return "placed"
        except Full as full:
            assert "约满" in full.message_zh
            return "full"

    outcomes = await asyncio.gather(*(attempt(i) for i in ids))
    assert outcomes.count("placed") == 5 and outcomes.count("full") == 45
    async with demo.sessions() as session:
        slot = (await session.execute(select(Slot).where(Slot.station_id == station.id, Slot.kind == "bath",
                                                         Slot.date == day, Slot.window == "morning"))).scalar_one()
        placed = await station_queue(session, station.id, day, days=1, kind="bath")
    assert slot.taken == slot.capacity
    assert len([o for o in placed if o.elder_id in ids]) == 5


async def test_a_full_window_says_how_many_places_are_left(demo) -> None:
    liu = await elder(demo, "13800000004")
    async with demo.sessions() as session, session.begin():
        await session.execute(update(Slot).where(Slot.kind == "meal", Slot.date == DAY, Slot.window == "dinner")
                              .values(capacity=Slot.taken + 1))
    with pytest.raises(Full) as caught:
        await place_order(demo.sessions, meal(liu.id, window="dinner", quantity=2), Actor(ELDER, liu.id), NOW)
    assert caught.value.details["remaining"] == 1 and "只剩1个" in caught.value.message_zh


async def test_two_channels_booking_the_same_window_at_once_get_one_order(demo) -> None:
    wang = await elder(demo, "13800000001")
    li = await family(demo, "13900000001")
    requests = [(meal(wang.id, idempotency_key=f"k{i}"), Actor(ELDER, wang.id) if i % 2 else Actor(FAMILY, li.id))
                for i in range(8)]
    outcomes = await asyncio.gather(*(place_order(demo.sessions, r, a, NOW) for r, a in requests),
                                    return_exceptions=True)
    placed = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(placed) == 1 and all(isinstance(o, Duplicate) for o in outcomes if isinstance(o, Exception))
    async with demo.sessions() as session:
        slot = await session.get(Slot, placed[0].order.slot_id)
    assert slot.taken == 1


async def test_moving_an_order_onto_a_window_already_booked_is_refused(demo) -> None:
    from care.orders import modify_order

    wang = await elder(demo, "13800000001")
    lunch = (await place_order(demo.sessions, meal(wang.id), Actor(ELDER, wang.id), NOW)).order
    await place_order(demo.sessions, meal(wang.id, window="dinner"), Actor(ELDER, wang.id), NOW)
    with pytest.raises(Duplicate):
        await modify_order(demo.sessions, lunch.code, Actor(ELDER, wang.id), NOW, window="dinner")
