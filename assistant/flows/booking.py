"""Booking: service → for whom → day → meal or half-day → how many → read-back → order placed.

Anything the person already said (明天中午给我妈送两份饭) fills its step; only what is missing is asked,
one question at a time, each with keypad choices. Diet and notes are not a step of their own (the
keypad path of CONTRACTS.md, 1 2 1 1 1, must book): the elder's recorded diet is read back, and a
diet said at any point (少盐, 软烂一点) replaces it.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from assistant import phrases as P
from assistant.context import TurnContext
from assistant.types import ANONYMOUS, ELDER
from care import people
from care.catalog import HORIZON_DAYS
from care.errors import CareError, Duplicate, Full, TooLate
from care.models import Elder
from care.orders import OrderRequest, place_order
from care.views import day_text, order_summary, window_name

FLOW = "booking"
INTENT_KINDS = {"book_meal": "meal", "book_bath": "bath", "book_home_visit": "home_visit"}
SERVICE_OPTIONS = (("1", "助餐"), ("2", "助浴"), ("3", "上门服务"))
DIET_NAMES = {"low_salt": "少盐", "low_sugar": "少糖", "soft": "软烂", "vegetarian": "素食"}
VISIT_KEYS = {"1": "check_in", "2": "nursing", "3": "cleaning", "4": "escort"}
QUANTITIES = tuple((str(n), f"{n}份") for n in range(1, 10))


async def start(ctx: TurnContext, kind: str | None) -> None:
    if ctx.turn.user.kind == ANONYMOUS:
        ctx.say(P.NEED_REGISTRATION)
        ctx.end()
        return
    flow = ctx.start(FLOW, key=uuid.uuid4().hex)
    if kind:
        flow["data"]["kind"] = kind
    await _fill_from_parse(ctx, flow["data"])
    await ask_next(ctx)


async def resume(ctx: TurnContext) -> bool:
    """Take this turn as an answer to the pending booking question; False if it is not one."""
    flow = ctx.flow
    assert flow is not None
    data, awaiting = flow["data"], flow["awaiting"]
    if awaiting == "confirm":
        return await _confirm(ctx, data)
    filled = _fill_from_key(ctx, data, awaiting) or await _fill_from_parse(ctx, data)
    if not filled:
        if ctx.intent in ("deny", "cancel_order") and not ctx.turn.dtmf:
            ctx.say(P.NOT_PLACED + P.ANYTHING_ELSE)
            ctx.end()
            return True
        return False
    await ask_next(ctx)
    return True


def _fill_from_key(ctx: TurnContext, data: dict[str, Any], awaiting: str | None) -> bool:
    if awaiting == "kind" and (key := ctx.key(SERVICE_OPTIONS)):
        data["kind"] = {"1": "meal", "2": "bath", "3": "home_visit"}[key]
    elif awaiting == "visit_kind" and (key := ctx.key(P.VISITS)):
        data["visit_kind"] = VISIT_KEYS[key]
    elif awaiting == "elder" and (key := ctx.key(_elder_options(data))):
        chosen = data["elders"][int(key) - 1]
        data["elder_id"], data["elder_name"] = chosen
    elif awaiting == "day" and (key := ctx.key(P.DAYS)):
        data["date"] = (ctx.today + timedelta(days=int(key) - 1)).isoformat()
    elif awaiting == "window" and (key := ctx.key(_window_options(data))):
        data["window"] = _window_codes(data)[int(key) - 1]
    elif awaiting == "quantity" and (key := ctx.key(QUANTITIES)):
        data["quantity"] = int(key)
    else:
        return False
    return True


FACT_INTENTS = {"inform", "book_meal", "book_bath", "book_home_visit", "modify_order", "affirm"}


async def _fill_from_parse(ctx: TurnContext, data: dict[str, Any]) -> bool:
    """Copy every booking fact this turn's words carry into the booking; True if any was new.

    Only turns that give facts count: "今天天气怎么样" mentions a day but is not an answer."""
    if ctx.intent not in FACT_INTENTS:
        return False
    before = dict(data)
    kind = INTENT_KINDS.get(ctx.intent or "") or ctx.entity("service")
    if kind and kind != data.get("kind"):
        if data.get("kind"):  # switching service: windows and amounts no longer apply
            for stale in ("window", "quantity", "visit_kind", "diet"):
                data.pop(stale, None)
        data["kind"] = kind
    if visit := ctx.entity("visit_kind"):
        data["visit_kind"], data["kind"] = visit, "home_visit"
    if day := ctx.entity("date"):
        data["date"] = day
    meal, part = ctx.entity("meal"), ctx.entity("part_of_day")
    if data.get("kind") == "meal":
        window = meal or {"noon": "lunch", "evening": "dinner", "morning": "breakfast"}.get(part or "")
    else:
        window = {"morning": "morning", "afternoon": "afternoon", "noon": "afternoon"}.get(part or "")
    if window:
        data["window"] = window
    if (quantity := ctx.entity("quantity")) and data.get("kind") in (None, "meal"):
        data["quantity"] = int(quantity)
    if diet := ctx.entity("diet"):
        data["diet"] = DIET_NAMES.get(diet, diet)
    if relation := ctx.entity("relation"):
        data["relation"] = relation
    return data != before


def _elder_options(data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(i + 1), name) for i, (_id, name) in enumerate(data.get("elders", [])))


def _window_codes(data: dict[str, Any]) -> list[str]:
    return ["lunch", "dinner"] if data.get("kind") == "meal" else ["morning", "afternoon"]


def _window_options(data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return P.MEALS if data.get("kind") == "meal" else P.HALF_DAYS


async def _choose_elder(ctx: TurnContext, data: dict[str, Any]) -> bool:
    """Settle for whom: the elder themself, the only linked elder, or the one the relation names."""
    user = ctx.turn.user
    if user.kind == ELDER:
        data["elder_id"], data["elder_name"] = user.id, user.name
        return True
    async with ctx.deps.sessions.reading() as session:
        linked = await people.linked_elders(session, user.id or 0)
    if not linked:
        ctx.say(P.NO_LINKED_ELDER)
        ctx.end()
        return False
    data["elders"] = [(e.id, e.name) for e, _rel in linked]
    elder = people.named_elder(linked, data.get("relation"))  # "给我爸订" to a mother's daughter is asked
    if elder is not None:
        data["elder_id"], data["elder_name"] = elder.id, elder.name
    return elder is not None


async def ask_next(ctx: TurnContext) -> None:
    """Ask for the first missing fact, or read the booking back for confirmation."""
    flow = ctx.flow
    assert flow is not None
    data = flow["data"]
    if not data.get("kind"):
        return _ask(ctx, "kind", P.WHICH_SERVICE, SERVICE_OPTIONS)
    if data["kind"] == "home_visit" and not data.get("visit_kind"):
        return _ask(ctx, "visit_kind", P.WHICH_VISIT, P.VISITS)
    if not data.get("elder_id") and not await _choose_elder(ctx, data):
        if ctx.flow is not None:
            _ask(ctx, "elder", P.WHICH_ELDER, _elder_options(data))
        return None
    if data.get("date"):
        day = date.fromisoformat(data["date"])
        if not ctx.today <= day < ctx.today + timedelta(days=HORIZON_DAYS):
            data.pop("date")
            return _ask(ctx, "day", P.DAY_OUT_OF_RANGE, P.DAYS)
    else:
        return _ask(ctx, "day", P.WHICH_DAY, P.DAYS)
    if not data.get("window"):
        question = P.WHICH_MEAL if data["kind"] == "meal" else P.WHICH_HALF_DAY
        return _ask(ctx, "window", question, _window_options(data))
    window = ctx.deps.catalog.window(data["kind"], data["window"])
    if window is not None and ctx.now >= window.deadline(date.fromisoformat(data["date"])):
        data.pop("date")
        return _ask(ctx, "day", P.TOO_LATE_FOR_DAY.format(window=window.label) + P.WHICH_DAY, P.DAYS)
    item = ctx.deps.catalog.service_for(data["kind"], data.get("visit_kind"))
    assert item is not None
    if data["kind"] == "meal" and not data.get("quantity"):
        return _ask(ctx, "quantity", P.HOW_MANY, QUANTITIES[: item.max_quantity], speak=P.HOW_MANY_KEYS)
    quantity = data.get("quantity") or 1
    if not 1 <= quantity <= item.max_quantity:
        data.pop("quantity", None)
        return _ask(ctx, "quantity", P.QUANTITY_OUT_OF_RANGE.format(most=item.max_quantity),
                    QUANTITIES[: item.max_quantity], speak=P.HOW_MANY_KEYS)
    async with ctx.deps.sessions.reading() as session:
        elder = await session.get(Elder, data["elder_id"])
    assert elder is not None
    if data["kind"] == "meal" and not data.get("diet") and elder.diet:
        data["diet"] = elder.diet  # what the record says; a diet said in any turn replaces it
    pay = item.price_for(elder.economic)
    due = pay * quantity
    price = (P.PRICE_FREE if due == 0 else
             P.PRICE_PER_UNIT.format(unit=item.unit, pay=_yuan(pay), due=_yuan(due)) if quantity > 1 else
             P.PRICE_DUE.format(due=_yuan(due)))
    diet = P.READ_BACK_DIET.format(diet=data["diet"]) if data.get("diet") else ""
    text = P.READ_BACK.format(elder=data["elder_name"], what=describe(data, item.name), diet=diet, price=price)
    return _ask(ctx, "confirm", text, P.CONFIRM)


def _ask(ctx: TurnContext, awaiting: str, text: str, options: tuple[tuple[str, str], ...],
         speak: str | None = None) -> None:
    flow = ctx.flow
    assert flow is not None
    flow["awaiting"] = awaiting
    ctx.say(text, options, speak=speak if ctx.turn.channel == "phone" else None)


def _yuan(fen: int) -> str:
    return f"{fen // 100}元" if fen % 100 == 0 else f"{fen / 100:g}元"


def describe(data: dict[str, Any], name: str) -> str:
    """11月27日（星期五）午餐，助餐2份."""
    amount = f"{data.get('quantity', 1)}份" if data["kind"] == "meal" else ""
    return f"{day_text(date.fromisoformat(data['date']))}{window_name(data['kind'], data['window'])}，{name}{amount}"


async def _confirm(ctx: TurnContext, data: dict[str, Any]) -> bool:
    key = ctx.key(P.CONFIRM)
    if key == "1" or (key is None and ctx.intent == "affirm"):
        await _place(ctx, data)
        return True
    if key == "2":
        for stale in ("date", "window", "quantity", "diet"):
            data.pop(stale, None)
        ctx.say(P.RESTART)
        await ask_next(ctx)
        return True
    if ctx.intent in ("deny", "cancel_order"):
        ctx.say(P.NOT_PLACED + P.ANYTHING_ELSE)
        ctx.end()
        return True
    if await _fill_from_parse(ctx, data):  # "改成两份" / "换成明天" before confirming
        await ask_next(ctx)
        return True
    return False


async def _place(ctx: TurnContext, data: dict[str, Any]) -> None:
    req = OrderRequest(elder_id=data["elder_id"], kind=data["kind"], visit_kind=data.get("visit_kind"),
                       date=date.fromisoformat(data["date"]), window=data["window"],
                       quantity=data.get("quantity") or 1, diet=data.get("diet") or None,
                       channel=ctx.turn.channel, idempotency_key=f"chat:{data['key']}")
    try:
        placed = await place_order(ctx.deps.sessions, req, ctx.actor, ctx.now, ctx.deps.catalog)
    except (Full, TooLate) as error:
        for stale in ("date", "window"):
            data.pop(stale, None)
        data["key"] = uuid.uuid4().hex
        ctx.say(error.message_zh)
        _ask(ctx, "day", P.TRY_OTHER_TIME, P.DAYS)
        return
    except Duplicate as error:
        ctx.say(error.message_zh + P.ANYTHING_ELSE)
        ctx.end()
        return
    except CareError as error:
        ctx.say(error.message_zh)
        ctx.end()
        return
    order = placed.order
    arrive = P.ARRIVE_MEAL if order.kind == "meal" else P.ARRIVE_VISIT
    when = day_text(order.date, ctx.today) + P.WINDOW_TIMES.get(order.window, "")
    ctx.say(P.PLACED.format(code=order.code, when=when, arrive=arrive), order=order_summary(order))
    ctx.end()
