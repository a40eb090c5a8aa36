"""Placing orders into station queues and moving them through their lifecycle.

Every operation is atomic: capacity, order row, order event and outbox rows commit together or not
at all (one transaction; a placement on PostgreSQL, one statement). Capacity is taken with a single
conditional ``UPDATE`` so it can never be oversold, whatever the number of concurrent placements,
on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import String, bindparam, cast, func, insert, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from care import codes, lifecycle
from care.access import FAMILY, Actor, ensure_may_act_for_elder, judge_act_for_elder, recipients_for_order
from care.catalog import HORIZON_DAYS, KINDS, VISIT_KINDS, Catalog, default_catalog, local_today
from care.db import SessionFactory
from care.errors import Busy, Duplicate, Full, IllegalTransition, Invalid, NotFound, TooLate
from care.models import (
    CapacityTemplate,
    Elder,
    FamilyLink,
    Order,
    OrderEvent,
    Outbox,
    Slot,
    Station,
    StationCommunity,
    StationService,
)
from care.sql import insert_ignore


@dataclass(frozen=True)
class OrderRequest:
    elder_id: int
    kind: str
    date: date
    window: str
    quantity: int = 1
    visit_kind: str | None = None
    diet: str | None = None
    notes: str | None = None
    channel: str = "web"
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Placed:
    order: Order
    created: bool
    """False when an earlier placement with the same idempotency key is returned."""


def validate_request(req: OrderRequest, catalog: Catalog, now: datetime) -> None:
    """Check a request against the catalog and the clock before touching the database."""
    if req.kind not in KINDS:
        raise Invalid("没有这项服务。", f"unknown service kind {req.kind!r}")
    if req.kind == "home_visit" and req.visit_kind not in VISIT_KINDS:
        raise Invalid("请说明上门做什么：探访、护理、助洁还是陪诊。", "visit_kind required for home_visit")
    item = catalog.service_for(req.kind, req.visit_kind)
    window = catalog.window(req.kind, req.window)
    if item is None or window is None:
        raise Invalid("这个时段不提供该服务。", f"no window {req.window!r} for {req.kind}")
    if not 1 <= req.quantity <= item.max_quantity:
        raise Invalid(f"每次可以订1到{item.max_quantity}{item.unit}。",
                      f"quantity must be 1..{item.max_quantity}")
    today = local_today(now)
    if req.date < today or req.date > today + timedelta(days=HORIZON_DAYS - 1):
        raise Invalid(f"只能预约今天起{HORIZON_DAYS}天内的服务。", f"date must be within {HORIZON_DAYS} days")
    if now >= window.deadline(req.date):
        raise TooLate(
            f"{window.label}的预约已经截止了（{_deadline_text(window.lead_days, window.cutoff)}截止）。",
            "booking deadline has passed",
        )
    for text in (req.diet, req.notes):
        if text is not None and len(text) > 500:
            raise Invalid("备注太长了。", "notes too long")


def _deadline_text(lead_days: int, cutoff) -> str:  # type: ignore[no-untyped-def]
    day = {0: "当天", 1: "前一天"}.get(lead_days, f"提前{lead_days}天")
    return f"{day}{cutoff.strftime('%H:%M')}"


async def ensure_slots(session: AsyncSession, station_id: int, first: date, days: int = HORIZON_DAYS) -> int:
    """Create the missing slots of ``days`` days from the station's weekly template; returns how many."""
    templates = (
        await session.execute(select(CapacityTemplate).where(CapacityTemplate.station_id == station_id))
    ).scalars().all()
    rows = [
        {"station_id": station_id, "kind": t.kind, "date": day, "window": t.window, "capacity": t.capacity,
         "taken": 0}
        for offset in range(days)
        for day in [first + timedelta(days=offset)]
        for t in templates
        if t.weekday == day.weekday()
    ]
    if not rows:
        return 0
    result = await session.execute(insert_ignore(session, Slot, rows, ["station_id", "kind", "date", "window"]))
    return max(result.rowcount or 0, 0)


async def _slot_for(session: AsyncSession, station_id: int, kind: str, day: date, window: str) -> int:
    """The id of the slot (generating it from the weekly template when missing)."""
    query = select(Slot.id, Slot.capacity).where(Slot.station_id == station_id, Slot.kind == kind,
                                                 Slot.date == day, Slot.window == window)
    slot = (await session.execute(query)).first()
    if slot is None:
        await ensure_slots(session, station_id, day, 1)
        slot = (await session.execute(query)).first()
    if slot is None or slot.capacity == 0:
        raise Full("这个时段服务站不提供这项服务，请换一天或换个时段。", "no capacity in this window",
                   remaining=0)
    return slot.id


async def _take_capacity(session: AsyncSession, slot_id: int, quantity: int) -> None:
    result = await session.execute(_TAKE, {"slot": slot_id, "amount": quantity})
    if result.rowcount != 1:
        raise await _full(session, slot_id)


async def _full(session: AsyncSession, slot_id: int) -> Full:
    remaining = (await session.execute(select(Slot.capacity - Slot.taken).where(Slot.id == slot_id))).scalar()
    remaining = max(int(remaining or 0), 0)
    if remaining:
        return Full(f"这个时段只剩{remaining}个名额了。", f"only {remaining} left", remaining=remaining)
    return Full("这个时段已经约满了，请换一天或换个时段。", "this window is full", remaining=0)


def _event_row(order: Order, actor: Actor, now: datetime, before: str | None, note: str | None) -> dict[str, Any]:
    return {"order_id": order.id, "station_id": order.station_id, "at": now, "actor": actor.label,
            "from_status": before, "to_status": order.status, "note": note}


def _outbox_rows(order: Order, actor: Actor, now: datetime, before: str | None, note: str | None,
                 recipients: list[tuple[str, int]]) -> list[dict[str, Any]]:
    payload = {
        "order": order.code, "event": order.status, "from": before, "kind": order.kind,
        "visit_kind": order.visit_kind, "service": order.service_code, "date": order.date.isoformat(),
        "window": order.window, "quantity": order.quantity, "station_id": order.station_id,
        "elder_id": order.elder_id, "note": note, "actor": actor.label,
    }
    return [{"topic": f"order.{order.status}", "recipient_type": kind, "recipient_id": rid, "payload": payload,
             "created_at": now, "available_at": now, "attempts": 0, "dead": False}
            for kind, rid in recipients]


async def _record(session: AsyncSession, order: Order, actor: Actor, now: datetime, before: str | None,
                  note: str | None, recipients: list[tuple[str, int]] | None = None) -> None:
    """Write the order event and one outbox row per recipient (station, elder, verified family)."""
    if recipients is None:
        recipients = await recipients_for_order(session, order.station_id, order.elder_id)
    await session.execute(_INSERT_EVENT, _event_row(order, actor, now, before, note))
    await session.execute(_INSERT_OUTBOX, _outbox_rows(order, actor, now, before, note, recipients))


def _duplicate(order_id: int | None = None) -> Duplicate:
    return Duplicate("这个时段已经订过了，不用再订；要改的话请说“改订单”。", "an open order exists for this window",
                     order=codes.encode(order_id) if order_id is not None else None)


async def _existing(session: AsyncSession, key: str | None) -> Order | None:
    if key is None:
        return None
    return (await session.execute(select(Order).where(Order.idempotency_key == key))).scalars().first()


def _facts_statement(with_visit_kind: bool):  # type: ignore[no-untyped-def]
    """The placement's one read (built once: statement construction costs more than running it)."""
    duplicate = (select(Order.id).where(
        Order.elder_id == Elder.id, Order.kind == bindparam("kind"), Order.date == bindparam("day"),
        Order.window == bindparam("window"), Order.status.in_(lifecycle.OPEN_STATUSES),
        *((Order.visit_kind == bindparam("visit_kind"),) if with_visit_kind else ()),
    ).limit(1).scalar_subquery())
    family = (select(func.aggregate_strings(cast(FamilyLink.family_id, String), ","))
              .where(FamilyLink.elder_id == Elder.id, FamilyLink.verified.is_(True)).scalar_subquery())
    placed = select(Order.id).where(Order.idempotency_key == bindparam("key")).scalar_subquery()
    return (
        select(Elder.id.label("elder_id"), Elder.name, Elder.phone, Elder.economic, Elder.diet, Elder.address,
               StationCommunity.station_id, Station.name.label("station_name"), Station.code.label("station_code"),
               Slot.id.label("slot_id"), Slot.capacity, duplicate.label("duplicate"), family.label("family"),
               placed.label("placed"))
        .join(StationCommunity, (StationCommunity.community_id == Elder.community_id)
              & (StationCommunity.kind == bindparam("kind")))
        .join(Station, (Station.id == StationCommunity.station_id) & Station.active.is_(True))
        .join(StationService, (StationService.station_id == Station.id)
              & (StationService.service_code == bindparam("service_code")))
        .outerjoin(Slot, (Slot.station_id == Station.id) & (Slot.kind == bindparam("kind"))
                   & (Slot.date == bindparam("day")) & (Slot.window == bindparam("window")))
        .where(Elder.id == bindparam("elder_id"))
        .order_by(StationCommunity.priority, Station.id)
        .limit(1)
    )


_FACTS = {flag: _facts_statement(flag) for flag in (False, True)}
_TAKE = (update(Slot.__table__)
         .where(Slot.id == bindparam("slot"), Slot.taken + bindparam("amount") <= Slot.capacity)
         .values(taken=Slot.taken + bindparam("amount")))
_INSERT_ORDER = insert(Order.__table__).returning(Order.__table__.c.id)
_INSERT_EVENT = insert(OrderEvent.__table__)
_INSERT_OUTBOX = insert(Outbox.__table__)


_NEXT_ORDER_ID = select(func.nextval(func.pg_get_serial_sequence("orders", "id")))


@functools.cache
def _placement_statement(recipients: int):  # type: ignore[no-untyped-def]
    """PostgreSQL: capacity, order, event and outbox rows in one statement, run outside a transaction.

    Each part reads ``FROM`` the one before, so when the capacity ``UPDATE`` takes nothing, nothing
    is written; a unique index saying no (a duplicate window, a retried key) stops all of it. The
    slot's row lock lasts the statement, not a round trip to COMMIT while the event loop serves
    other conversations (in a transaction that wait made ~25 bookings of one lunch queue).
    """
    slots, orders, events, outbox = Slot.__table__, Order.__table__, OrderEvent.__table__, Outbox.__table__

    def values(table, prefix: str, keys: list[str]):  # type: ignore[no-untyped-def]
        return [bindparam(f"{prefix}{key}", type_=table.c[key].type) for key in keys]

    take = _TAKE.returning(slots.c.id).cte("take")
    order_keys = [c.key for c in orders.columns]
    placed = insert(orders).from_select(order_keys, select(*values(orders, "o_", order_keys)).select_from(take))
    placed = placed.returning(orders.c.id).cte("placed")
    event_keys = [c.key for c in events.columns if c.key != "id"]
    event = insert(events).from_select(event_keys, select(*values(events, "e_", event_keys)).select_from(placed))
    outbox_keys = [c.key for c in outbox.columns if c.key not in ("id", "delivered_at", "last_error")]
    rows = union_all(*(select(*values(outbox, f"r{i}_", outbox_keys)).select_from(placed) for i in range(recipients)))
    return insert(outbox).from_select(outbox_keys, rows).returning(outbox.c.id).add_cte(event.cte("event"))


async def _place_in_one_statement(session: AsyncSession, order: Order, rows: list[dict[str, Any]],
                                  event: dict[str, Any], slot_id: int) -> bool:
    """Write the placement (see ``_placement_statement``); False when the slot had no room."""
    params: dict[str, Any] = {"slot": slot_id, "amount": order.quantity}
    params.update({f"o_{c.key}": getattr(order, c.key) for c in Order.__table__.columns})
    params.update({f"e_{key}": value for key, value in event.items()})
    params.update({f"r{i}_{key}": value for i, row in enumerate(rows) for key, value in row.items()})
    return bool((await session.execute(_placement_statement(len(rows)), params)).all())


async def _booking_facts(session: AsyncSession, req: OrderRequest, service_code: str):  # type: ignore[no-untyped-def]
    """Everything a placement needs to know, in one query: the elder, the station serving them, the slot,
    an open order for the same window, the family members to notify, and an order already placed
    with this idempotency key. None when no station serves the elder."""
    params = {"elder_id": req.elder_id, "kind": req.kind, "day": req.date, "window": req.window,
              "service_code": service_code, "visit_kind": req.visit_kind, "key": req.idempotency_key}
    return (await session.execute(_FACTS[req.kind == "home_visit"], params)).first()


async def _no_station(session: AsyncSession, req: OrderRequest) -> Exception:
    if await session.get(Elder, req.elder_id) is None:
        return NotFound("找不到这位老人。", "elder not found")
    return Invalid("您所在的社区暂时没有服务站提供这项服务。", "no station serves this community")


async def place_order(
    sessions: SessionFactory, req: OrderRequest, actor: Actor, now: datetime, catalog: Catalog | None = None
) -> Placed:
    """Place one order; a retry with the same idempotency key returns the first order unchanged.

    Capacity, order, event and outbox rows are written together or not at all: on PostgreSQL as one
    statement outside a transaction (``_placement_statement``), on SQLite in one transaction whose
    capacity ``UPDATE`` comes last. Either way the slot is held as briefly as possible when many
    people book the same window.
    """
    catalog = catalog or default_catalog()
    one_statement = sessions.one_statement_writes
    try:
        async with (sessions.autocommit() if one_statement else sessions()) as session, \
                (contextlib.nullcontext() if one_statement else session.begin()):
            item = catalog.service_for(req.kind, req.visit_kind)
            facts = await _booking_facts(session, req, item.code) if item is not None else None
            placed = facts.placed if facts is not None else (await _existing(session, req.idempotency_key) or None)
            if placed is not None:  # a retry: the first placement stands, whatever has changed since
                found = placed if isinstance(placed, Order) else await session.get(Order, placed)
                assert found is not None
                return Placed(found, created=False)
            validate_request(req, catalog, now)
            window = catalog.window(req.kind, req.window)
            assert item is not None and window is not None
            if facts is None:
                raise await _no_station(session, req)
            station_id = facts.station_id
            family = [int(f) for f in (facts.family or "").split(",") if f]
            judge_act_for_elder(actor, facts.elder_id, station_id,
                                family_linked=actor.kind == FAMILY and actor.id in family)
            if facts.duplicate is not None:
                raise _duplicate(facts.duplicate)
            slot_id = facts.slot_id or await _slot_for(session, station_id, req.kind, req.date, req.window)
            if facts.slot_id is not None and facts.capacity == 0:
                raise Full("这个时段服务站不提供这项服务，请换一天或换个时段。", "no capacity in this window",
                           remaining=0)
            elder = facts
            pay = item.price_for(elder.economic)
            order = Order(
                elder_id=elder.elder_id, station_id=station_id, slot_id=slot_id, service_code=item.code, kind=req.kind,
                visit_kind=item.visit_kind, date=req.date, window=req.window, window_rank=window.rank,
                quantity=req.quantity,
                diet=(req.diet or "").strip() or (elder.diet if req.kind == "meal" else None) or None,
                notes=(req.notes or "").strip() or None, address=elder.address,
                unit_price_fen=item.unit_price_fen, subsidy_fen=(item.unit_price_fen - pay) * req.quantity,
                amount_due_fen=pay * req.quantity, channel=req.channel, placed_by=actor.label,
                idempotency_key=req.idempotency_key, status=lifecycle.PENDING, created_at=now, updated_at=now,
            )
            recipients = [("station", station_id), ("elder", facts.elder_id), *(("family", f) for f in family)]
            if one_statement:
                order.id = (await session.execute(_NEXT_ORDER_ID)).scalar_one()
                rows = _outbox_rows(order, actor, now, None, None, recipients)
                if not await _place_in_one_statement(session, order, rows, _event_row(order, actor, now, None, None),
                                                     slot_id):
                    raise await _full(session, slot_id)
            else:
                columns = {c.key: getattr(order, c.key) for c in Order.__table__.columns if c.key != "id"}
                order.id = (await session.execute(_INSERT_ORDER, columns)).scalar_one()
                await _record(session, order, actor, now, None, None, recipients)
                await _take_capacity(session, slot_id, req.quantity)
    except IntegrityError as error:
        # A concurrent retry with the same key won the race (return its order), or another channel
        # booked the same window a moment earlier (the unique index on open orders said no).
        async with sessions.reading() as session:
            found = await _existing(session, req.idempotency_key)
        if found is None:
            raise _duplicate() from error
        return Placed(found, created=False)
    # The committed row, as the caller needs it, without reading it back.
    order.elder = Elder(id=facts.elder_id, name=facts.name, phone=facts.phone, address=facts.address)
    order.station = Station(id=station_id, name=facts.station_name, code=facts.station_code)
    return Placed(order, created=True)


def _not_found() -> NotFound:
    return NotFound("找不到这个订单。", "order not found")


def _id_of(code: str) -> int:
    order_id = codes.decode(code)
    if order_id is None:
        raise _not_found()
    return order_id


async def _locked_order(session: AsyncSession, code: str) -> Order:
    """The order row, locked for this transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""
    order_id = _id_of(code)
    query = select(Order).where(Order.id == order_id)
    order = (await session.execute(query.with_for_update(skip_locked=True, of=Order))).scalars().first()
    if order is None:
        if (await session.execute(select(Order.id).where(Order.id == order_id))).first() is not None:
            raise Busy("另一位工作人员正在处理这个订单，请稍后刷新。", "order is being changed by someone else")
        raise _not_found()
    return order


@dataclass(frozen=True)
class Transition:
    order: Order
    changed: bool
    """False when the order already had the target status (a double-clicked button)."""


async def transition(
    sessions: SessionFactory, code: str, action_name: str, actor: Actor, now: datetime,
    reason: str | None = None, catalog: Catalog | None = None,
) -> Transition:
    """Apply a lifecycle action to an order, with its event and notifications, in one transaction."""
    action = lifecycle.ACTIONS.get(action_name)
    if action is None:
        raise Invalid("不支持这个操作。", f"unknown action {action_name!r}")
    reason = (reason or "").strip() or None
    if reason and len(reason) > 500:
        raise Invalid("原因太长了。", "reason too long")
    catalog = catalog or default_catalog()
    async with sessions() as session, session.begin():
        order = await _locked_order(session, code)
        if action.by_station:
            if not actor.may_work_station(order.station_id):
                raise _not_found()
        else:
            await ensure_may_act_for_elder(session, actor, order.elder_id, station_id=order.station_id)
        if order.status == action.target:
            return Transition(order, changed=False)
        if order.status not in action.sources:
            label = lifecycle.STATUS_LABELS[order.status]
            raise IllegalTransition(f"订单{label}，不能{action.label}。",
                                    f"cannot {action.name} an order that is {order.status}",
                                    status=order.status)
        if action.needs_reason and not reason:
            raise Invalid("请填写原因。", "a reason is required")
        if action.name == "cancel" and actor.kind in ("elder", "family"):
            window = catalog.window(order.kind, order.window)
            if window is not None and now >= window.deadline(order.date):
                raise TooLate("已经过了取消的时间，请打电话给服务站。", "cancellation deadline has passed")
        before = order.status
        order.status = action.target
        order.updated_at = now
        if action.releases_capacity:
            await session.execute(
                update(Slot).where(Slot.id == order.slot_id).values(taken=Slot.taken - order.quantity)
                .execution_options(synchronize_session=False)
            )
        await _record(session, order, actor, now, before, reason)
    return Transition(order, changed=True)


async def modify_order(
    sessions: SessionFactory, code: str, actor: Actor, now: datetime, *, day: date | None = None,
    window: str | None = None, quantity: int | None = None, catalog: Catalog | None = None,
) -> Order:
    """Move an open order to another day/window or change its quantity, re-taking capacity atomically."""
    catalog = catalog or default_catalog()
    try:
        async with sessions() as session, session.begin():
            order = await _locked_order(session, code)
            await ensure_may_act_for_elder(session, actor, order.elder_id, station_id=order.station_id)
            if order.status != lifecycle.PENDING:
                label = lifecycle.STATUS_LABELS[order.status]
                raise IllegalTransition(f"订单{label}，不能再修改了。", "only pending orders can be modified",
                                        status=order.status)
            req = OrderRequest(elder_id=order.elder_id, kind=order.kind, visit_kind=order.visit_kind,
                               date=day or order.date, window=window or order.window,
                               quantity=quantity or order.quantity)
            old_window = catalog.window(order.kind, order.window)
            if old_window is not None and now >= old_window.deadline(order.date):
                raise TooLate("已经过了修改的时间，请打电话给服务站。", "modification deadline has passed")
            validate_request(req, catalog, now)
            clash = (await session.execute(select(Order.id).where(
                Order.id != order.id, Order.elder_id == order.elder_id, Order.kind == order.kind,
                Order.date == req.date, Order.window == req.window, Order.status.in_(lifecycle.OPEN_STATUSES),
                *((Order.visit_kind == order.visit_kind,) if order.kind == "home_visit" else ())))).first()
            if clash is not None:
                raise _duplicate(clash[0])
            await session.execute(
                update(Slot).where(Slot.id == order.slot_id).values(taken=Slot.taken - order.quantity)
                .execution_options(synchronize_session=False)
            )
            slot_id = await _slot_for(session, order.station_id, req.kind, req.date, req.window)
            await _take_capacity(session, slot_id, req.quantity)
            item = catalog.service_for(req.kind, req.visit_kind)
            assert item is not None
            pay = item.price_for(order.elder.economic)
            note = f"{order.date}/{order.window}/{order.quantity} → {req.date}/{req.window}/{req.quantity}"
            order.slot_id, order.date, order.window, order.quantity = slot_id, req.date, req.window, req.quantity
            order.window_rank = catalog.window(req.kind, req.window).rank  # type: ignore[union-attr]
            order.subsidy_fen = (item.unit_price_fen - pay) * req.quantity
            order.amount_due_fen = pay * req.quantity
            order.updated_at = now
            await _record(session, order, actor, now, order.status, note)
    except IntegrityError as error:  # the same window was booked meanwhile by another channel
        raise _duplicate() from error
    return order


async def station_queue(
    session: AsyncSession, station_id: int, first: date, *, days: int | None = None,
    statuses: tuple[str, ...] | None = None, kind: str | None = None,
) -> list[Order]:
    """A station's orders from ``first`` on, in the order staff work them: date, window, creation."""
    query = select(Order).where(Order.station_id == station_id, Order.date >= first)
    if days is not None:
        query = query.where(Order.date < first + timedelta(days=days))
    if statuses:
        query = query.where(Order.status.in_(statuses))
    if kind:
        query = query.where(Order.kind == kind)
    query = query.order_by(Order.date, Order.window_rank, Order.created_at, Order.id)
    return list((await session.execute(query)).scalars().all())


async def order_by_code(session: AsyncSession, code: str) -> Order:
    order = await session.get(Order, _id_of(code))
    if order is None:
        raise _not_found()
    return order


async def order_for_station(session: AsyncSession, station_id: int, code: str) -> Order:
    order = await session.get(Order, _id_of(code))
    if order is None or order.station_id != station_id:
        raise _not_found()
    return order


async def order_events(session: AsyncSession, order_id: int) -> list[OrderEvent]:
    query = select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
    return list((await session.execute(query)).scalars().all())


async def orders_of_elders(
    session: AsyncSession, elder_ids: list[int], *, first: date | None = None, open_only: bool = False
) -> list[Order]:
    query = select(Order).where(Order.elder_id.in_(elder_ids))
    if first is not None:
        query = query.where(Order.date >= first)
    if open_only:
        query = query.where(Order.status.in_(lifecycle.OPEN_STATUSES))
    return list((await session.execute(query.order_by(Order.date, Order.window_rank, Order.id))).scalars().all())


async def all_orders(session: AsyncSession, station_id: int | None = None) -> list[Order]:
    query = select(Order)
    if station_id is not None:
        query = query.where(Order.station_id == station_id)
    return list((await session.execute(query.order_by(Order.date, Order.window_rank, Order.id))).scalars().all())


@dataclass(frozen=True)
class MealLine:
    window: str
    diet: str
    portions: int
    orders: int


async def meal_list(session: AsyncSession, station_id: int, day: date) -> list[MealLine]:
    """Portions per meal and diet for a station's kitchen on one day (cancelled and rejected left out)."""
    rows = await session.execute(
        select(Order.window, Order.window_rank, Order.diet, func.sum(Order.quantity), func.count(Order.id))
        .where(Order.station_id == station_id, Order.date == day, Order.kind == "meal",
               Order.status.notin_((lifecycle.CANCELLED, lifecycle.REJECTED)))
        .group_by(Order.window, Order.window_rank, Order.diet)
        .order_by(Order.window_rank, Order.diet)
    )
    return [MealLine(w, d or "普通", int(p), int(n)) for w, _rank, d, p, n in rows.all()]


async def latest_event_id(session: AsyncSession, station_id: int) -> int:
    value = await session.execute(select(func.max(OrderEvent.id)).where(OrderEvent.station_id == station_id))
    return int(value.scalar() or 0)


async def events_since(session: AsyncSession, station_id: int, after_id: int) -> list[OrderEvent]:
    query = (select(OrderEvent).where(OrderEvent.station_id == station_id, OrderEvent.id > after_id)
             .order_by(OrderEvent.id).limit(200))
    return list((await session.execute(query)).scalars().all())
