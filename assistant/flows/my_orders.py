"""The person's own orders: check them, cancel one, change one (always confirmed first)."""

from __future__ import annotations

from datetime import date
from typing import Any

from assistant import phrases as P
from assistant.context import TurnContext
from assistant.types import ANONYMOUS, ELDER
from care import codes, lifecycle
from care.access import linked_elder_ids
from care.errors import CareError
from care.models import Order
from care.orders import modify_order, orders_of_elders, transition
from care.views import day_text, order_summary, service_label, window_label, window_name

MEAL_WINDOWS = {"breakfast", "lunch", "dinner"}


async def _my_orders(ctx: TurnContext) -> list[Order]:
    """The open orders of the caller (or of the elders linked to them); says why when there are none."""
    user = ctx.turn.user
    if user.kind == ANONYMOUS:
        ctx.say(P.NEED_REGISTRATION)
        return []
    async with ctx.deps.sessions.reading() as session:
        elder_ids = [user.id] if user.kind == ELDER else await linked_elder_ids(session, user.id or 0)
        orders = await orders_of_elders(session, [i for i in elder_ids if i is not None], first=ctx.today,
                                        open_only=True)
    if not orders:
        ctx.say(P.NO_ORDERS + P.ANYTHING_ELSE)
    return orders


def _what(order: Order, today: date, with_elder: bool) -> str:
    amount = f"{order.quantity}份" if order.kind == "meal" else ""
    who = f"{order.elder.name}的" if with_elder else ""
    return f"{who}{day_text(order.date, today)}{window_label(order)}{service_label(order)}{amount}"


def _narrow(ctx: TurnContext, orders: list[Order], action: str) -> list[Order]:
    """Keep the orders this turn's words point at (a date, a service, a meal); none may be left.

    When changing an order, a date or meal said is what to change *to* (改到后天), so only the
    service narrows the choice.
    """
    service = ctx.entity("service")
    day, meal = (ctx.entity("date"), ctx.entity("meal")) if action == "cancel" else (None, None)
    return [o for o in orders if (not day or o.date.isoformat() == day) and (not service or o.kind == service)
            and (not meal or o.window == meal)]


def _several(ctx: TurnContext) -> bool:
    return ctx.turn.user.kind != ELDER


async def check(ctx: TurnContext, orders: list[Order] | None = None) -> None:
    orders = orders if orders is not None else await _my_orders(ctx)
    if not orders:
        return
    items = "；".join(
        P.ORDER_LINE.format(n=i + 1, what=_what(o, ctx.today, _several(ctx)), status=lifecycle.STATUS_LABELS[o.status])
        for i, o in enumerate(orders[:5]))
    ctx.say(P.ORDER_LIST.format(count=len(orders), items=items) + P.ANYTHING_ELSE)


async def start(ctx: TurnContext, action: str) -> None:
    """Begin cancelling or changing an order: pick it, then confirm."""
    orders = await _my_orders(ctx)
    if not orders:
        return
    candidates = _narrow(ctx, orders, action)
    if not candidates:
        ctx.say(P.NO_MATCHING_ORDER)
        await check(ctx, orders)
        return
    flow = ctx.start(action, codes=[o.code for o in candidates])
    if len(candidates) == 1:
        await _picked(ctx, flow["data"], candidates[0])
        return
    options = tuple((str(i + 1), _what(o, ctx.today, _several(ctx))) for i, o in enumerate(candidates[:9]))
    flow["awaiting"] = "order"
    ctx.say(P.WHICH_ORDER, options)


async def _picked(ctx: TurnContext, data: dict[str, Any], order: Order) -> None:
    flow = ctx.flow
    assert flow is not None
    data["code"] = order.code
    data["what"] = _what(order, ctx.today, _several(ctx))
    if flow["name"] == "cancel":
        flow["awaiting"] = "confirm"
        ctx.say(P.CONFIRM_CANCEL.format(what=data["what"]), P.YES_NO)
        return
    data["kind"] = order.kind
    if _changes(ctx, data):
        _confirm_change(ctx, data, order)
    else:
        flow["awaiting"] = "change"
        ctx.say(P.WHAT_TO_CHANGE)


def _changes(ctx: TurnContext, data: dict[str, Any]) -> bool:
    changes = data.setdefault("changes", {})
    if day := ctx.entity("date"):
        changes["date"] = day
    meal, part = ctx.entity("meal"), ctx.entity("part_of_day")
    if data["kind"] == "meal" and meal in MEAL_WINDOWS:
        changes["window"] = meal
    elif data["kind"] != "meal" and part in ("morning", "afternoon"):
        changes["window"] = part
    if (quantity := ctx.entity("quantity")) and data["kind"] == "meal":
        changes["quantity"] = int(quantity)
    return bool(changes)


def _confirm_change(ctx: TurnContext, data: dict[str, Any], order: Order) -> None:
    flow = ctx.flow
    assert flow is not None
    changes = data["changes"]
    day = date.fromisoformat(changes["date"]) if "date" in changes else order.date
    window = window_name(order.kind, changes.get("window", order.window))
    amount = f"{changes.get('quantity', order.quantity)}份" if order.kind == "meal" else ""
    after = f"{day_text(day, ctx.today)}{window}{service_label(order)}{amount}"
    flow["awaiting"] = "confirm"
    ctx.say(P.CONFIRM_MODIFY.format(before=data["what"], after=after), P.YES_NO)


async def resume(ctx: TurnContext) -> bool:
    flow = ctx.flow
    assert flow is not None
    data = flow["data"]
    if flow["awaiting"] == "order":
        options = tuple((str(i + 1), c) for i, c in enumerate(data["codes"]))
        key = ctx.key(options) or ctx.key(tuple((str(i + 1), str(i + 1)) for i in range(len(data["codes"]))))
        if key is None:
            return False
        async with ctx.deps.sessions.reading() as session:
            order = await session.get(Order, _order_id(data["codes"][int(key) - 1]))
        assert order is not None
        await _picked(ctx, data, order)
        return True
    if flow["awaiting"] == "change":
        if not _changes(ctx, data):
            return False
        async with ctx.deps.sessions.reading() as session:
            order = await session.get(Order, _order_id(data["code"]))
        assert order is not None
        _confirm_change(ctx, data, order)
        return True
    key = ctx.key(P.YES_NO)
    if key == "1" or (key is None and ctx.intent == "affirm"):
        await (_do_cancel(ctx, data) if flow["name"] == "cancel" else _do_modify(ctx, data))
        ctx.end()
        return True
    if key == "2" or ctx.intent == "deny":
        ctx.say((P.NOT_CANCELLED if flow["name"] == "cancel" else P.NOT_MODIFIED) + P.ANYTHING_ELSE)
        ctx.end()
        return True
    return False


def _order_id(code: str) -> int:
    return codes.decode(code) or 0


async def _do_cancel(ctx: TurnContext, data: dict[str, Any]) -> None:
    try:
        result = await transition(ctx.deps.sessions, data["code"], "cancel", ctx.actor, ctx.now)
    except CareError as error:
        ctx.say(error.message_zh)
        return
    ctx.say(P.CANCELLED.format(what=data["what"]) + P.ANYTHING_ELSE, order=order_summary(result.order))


async def _do_modify(ctx: TurnContext, data: dict[str, Any]) -> None:
    changes = data["changes"]
    try:
        order = await modify_order(
            ctx.deps.sessions, data["code"], ctx.actor, ctx.now,
            day=date.fromisoformat(changes["date"]) if "date" in changes else None,
            window=changes.get("window"), quantity=changes.get("quantity"), catalog=ctx.deps.catalog)
    except CareError as error:
        ctx.say(error.message_zh)
        return
    async with ctx.deps.sessions.reading() as session:
        fresh = await session.get(Order, order.id)
    assert fresh is not None
    ctx.say(P.MODIFIED.format(what=_what(fresh, ctx.today, False)) + P.ANYTHING_ELSE, order=order_summary(fresh))

