"""The station staff console: login, the live queue, order detail and actions, the meal list."""

from __future__ import annotations

import csv
import io
import secrets
import time
from datetime import date
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web
from sqlalchemy import select

from care import lifecycle
from care.catalog import TZ, default_catalog, local_today, yuan
from care.errors import Invalid, NotFound
from care.models import Order, Station
from care.orders import (
    events_since,
    latest_event_id,
    meal_list,
    order_by_code,
    order_events,
    order_for_station,
    station_queue,
)
from care.orders import transition as apply_transition
from care.people import authenticate_staff
from care.support import close_handoff, open_handoffs
from care.views import RELATIVE_DAYS, service_label, weekday_name, window_label
from web.auth import COOKIE, LIMITER, SESSION_SECONDS, StaffSession, check_csrf, current_staff, encode_session
from web.context import context_of
from web.errors import date_query

routes = web.RouteTableDef()
KIND_CHOICES = [("meal", "助餐"), ("bath", "助浴"), ("home_visit", "上门服务")]
STATUS_CHOICES = [("open", "未完成"), ("all", "全部"),
                  *((s, lifecycle.STATUS_LABELS[s]) for s in lifecycle.STATUSES)]
DONE_NOTICES = {"accept": "已接单", "reject": "已拒绝", "start": "已开始服务", "complete": "已完成",
                "no_show": "已记为未遇到老人", "cancel": "已取消"}
TEMPLATES = web.AppKey("templates", jinja2.Environment)
HANDOFF_REASONS = {"asked": "要求人工", "fallback": "没听懂", "emergency": "紧急求助", "complaint": "投诉"}


def day_label(day: date, today: date | None = None) -> str:
    """A heading of the queue: 明天 11月27日 星期五."""
    prefix = RELATIVE_DAYS.get((day - today).days, "") if today else ""
    text = f"{day.month}月{day.day}日 {weekday_name(day)}"
    return f"{prefix} {text}" if prefix else text


def caller_label(user_key: str) -> str:
    """How to reach who raised a ticket: tel:139… → 来电 139…; tg:… → Telegram; web:… → 网页聊天."""
    kind, _, rest = user_key.partition(":")
    return {"tel": f"来电 {rest}", "tg": "Telegram", "web": "网页聊天"}.get(kind, user_key)


def template_environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("web", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    meal_windows = default_catalog().windows["meal"]
    env.globals.update(
        window_label=window_label, service_label=service_label, yuan=yuan,
        status_label=lambda s: lifecycle.STATUS_LABELS.get(s, s), actions=lifecycle.next_actions,
        meal_label=lambda w: meal_windows[w].label if w in meal_windows else w,
        local_time=lambda t: t.astimezone(TZ).strftime("%m-%d %H:%M"),
        handoff_reason=lambda r: HANDOFF_REASONS.get(r, r),
        caller=caller_label,
    )
    return env


def render(request: web.Request, name: str, status: int = 200, **values: Any) -> web.Response:
    env = request.app[TEMPLATES]
    today = local_today(context_of(request).clock())
    values.setdefault("who", None)
    values.setdefault("station", None)
    values.setdefault("notice", None)
    html = env.get_template(name).render(day_label=lambda d: day_label(d, today), **values)
    return web.Response(text=html, status=status, content_type="text/html")


async def require_staff(request: web.Request) -> StaffSession:
    who = await current_staff(request)
    if who is None:
        raise web.HTTPSeeOther("/staff/login")
    return who


async def station_in_view(request: web.Request, who: StaffSession) -> tuple[Station | None, list[Station]]:
    """Staff see their own station; an admin picks one (``?station=code``) from all."""
    async with context_of(request).sessions.reading() as session:
        if who.staff.role != "admin":
            return await session.get(Station, who.staff.station_id), []
        stations = list((await session.execute(select(Station).order_by(Station.id))).scalars().all())
    wanted = request.query.get("station")
    chosen = next((s for s in stations if s.code == wanted), stations[0] if stations else None)
    return chosen, stations


def login_keys(remote: str | None, username: str) -> list[str]:
    """What failed logins count against: the address, and the user from that address — so a stranger
    guessing passwords cannot lock a colleague out from elsewhere."""
    return [f"ip:{remote}", f"user:{username}@{remote}"]


@routes.get("/staff/login")
async def login_page(request: web.Request) -> web.Response:
    if await current_staff(request) is not None:
        raise web.HTTPSeeOther("/staff")
    token = secrets.token_urlsafe(16)
    response = render(request, "login.html", login_csrf=token, error=None, username=None)
    response.set_cookie("login_csrf", token, httponly=True, samesite="Strict", max_age=3600)
    return response


@routes.post("/staff/login")
async def login(request: web.Request) -> web.Response:
    ctx = context_of(request)
    form = await request.post()
    username = str(form.get("username", "")).strip()[:40]
    password = str(form.get("password", ""))[:200]
    submitted = str(form.get("login_csrf", ""))
    if not submitted or not secrets.compare_digest(submitted, request.cookies.get("login_csrf", "")):
        raise web.HTTPForbidden(text="页面已过期，请刷新后再登录。")
    limiter = request.app[LIMITER]
    keys = login_keys(request.remote, username)
    now = time.monotonic()
    if limiter.exceeded(keys, now):
        raise web.HTTPTooManyRequests(text="登录失败次数太多，请5分钟后再试。", headers={"Retry-After": "300"})
    async with ctx.sessions.reading() as session:
        staff = await authenticate_staff(session, username, password)
    if staff is None:
        limiter.record(keys, now)
        response = render(request, "login.html", status=401, login_csrf=submitted, username=username,
                          error="用户名或密码不对。")
        return response
    limiter.clear(keys)
    response = web.HTTPSeeOther("/staff")
    response.set_cookie(COOKIE, encode_session(ctx.secret_key, staff, time.time()), httponly=True,
                        samesite="Lax", max_age=SESSION_SECONDS, secure=ctx.secure_cookies)
    response.del_cookie("login_csrf")
    raise response


@routes.post("/staff/logout")
async def logout(request: web.Request) -> web.Response:
    who = await require_staff(request)
    check_csrf(request, who, str((await request.post()).get("csrf", "")))
    response = web.HTTPSeeOther("/staff/login")
    response.del_cookie(COOKIE)
    raise response


def queue_filters(request: web.Request) -> dict[str, str]:
    kind = request.query.get("kind", "")
    status = request.query.get("status", "open")
    return {"kind": kind if kind in dict(KIND_CHOICES) else "",
            "status": status if status in dict(STATUS_CHOICES) else "open"}


async def queue_orders(request: web.Request, station: Station | None, filters: dict[str, str]) -> list[Order]:
    if station is None:
        return []
    status = filters["status"]
    statuses = lifecycle.OPEN_STATUSES if status == "open" else None if status == "all" else (status,)
    today = local_today(context_of(request).clock())
    async with context_of(request).sessions.reading() as session:
        return await station_queue(session, station.id, today, statuses=statuses, kind=filters["kind"] or None)


@routes.get("/staff")
async def queue_page(request: web.Request) -> web.Response:
    who = await require_staff(request)
    station, stations = await station_in_view(request, who)
    filters = queue_filters(request)
    query = urlencode({**filters, **({"station": station.code} if stations and station else {})})
    events = "/staff/events" + (f"?{urlencode({'station': station.code})}" if stations and station else "")
    done = request.query.get("done")
    notice = f"订单 {request.query.get('order', '')} {DONE_NOTICES[done]}。" if done in DONE_NOTICES else None
    async with context_of(request).sessions.reading() as session:
        handoffs = await open_handoffs(session, station.id if station else None,
                                       unassigned=who.staff.role == "admin")
    return render(request, "queue.html", who=who, station=station, stations=stations, filters=filters,
                  kinds=KIND_CHOICES, statuses=STATUS_CHOICES, orders=await queue_orders(request, station, filters),
                  query=query, notice=notice, handoffs=handoffs, events=events)


@routes.post("/staff/handoffs/{id}/close")
async def close_ticket(request: web.Request) -> web.Response:
    who = await require_staff(request)
    check_csrf(request, who, str((await request.post()).get("csrf", "")))
    try:
        ticket_id = int(request.match_info["id"])
    except ValueError as exc:
        raise NotFound("找不到这个求助记录。", "hand-off ticket not found") from exc
    station_id = None if who.staff.role == "admin" else who.staff.station_id
    async with context_of(request).sessions() as session, session.begin():
        await close_handoff(session, ticket_id, station_id, who.staff.id, context_of(request).clock())
    raise web.HTTPSeeOther("/staff")


@routes.get("/staff/queue")
async def queue_fragment(request: web.Request) -> web.Response:
    who = await require_staff(request)
    station, _ = await station_in_view(request, who)
    filters = queue_filters(request)
    return render(request, "queue_rows.html", who=who, orders=await queue_orders(request, station, filters))


async def staff_order(request: web.Request, who: StaffSession, code: str) -> Order:
    async with context_of(request).sessions.reading() as session:
        if who.staff.role == "admin":
            return await order_by_code(session, code)
        return await order_for_station(session, who.staff.station_id or 0, code)


@routes.get("/staff/orders/{code}")
async def order_page(request: web.Request) -> web.Response:
    who = await require_staff(request)
    order = await staff_order(request, who, request.match_info["code"])
    async with context_of(request).sessions.reading() as session:
        events = await order_events(session, order.id)
    done = request.query.get("done")
    notice = f"{DONE_NOTICES[done]}。" if done in DONE_NOTICES else None
    return render(request, "order.html", who=who, station=order.station, o=order, events=events, notice=notice)


@routes.post("/staff/orders/{code}/{action}")
async def order_action(request: web.Request) -> web.Response:
    who = await require_staff(request)
    form = await request.post()
    check_csrf(request, who, str(form.get("csrf", "")))
    code, action = request.match_info["code"], request.match_info["action"]
    if action not in lifecycle.ACTIONS or not lifecycle.ACTIONS[action].by_station:
        raise Invalid("不支持这个操作。", "unknown action")
    ctx = context_of(request)
    result = await apply_transition(ctx.sessions, code, action, who.actor, ctx.clock(),
                                    reason=str(form.get("reason", "")) or None)
    ctx.bus.publish(result.order.station_id)
    back = str(form.get("back", "/staff"))
    if not back.startswith("/staff"):
        back = "/staff"
    separator = "&" if "?" in back else "?"
    raise web.HTTPSeeOther(f"{back}{separator}{urlencode({'done': action, 'order': code})}")


@routes.get("/staff/events")
async def order_stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events: one ``order`` event per change in the station's queue."""
    who = await require_staff(request)
    station, _ = await station_in_view(request, who)
    if station is None:
        raise NotFound("没有服务站。", "no station")
    ctx = context_of(request)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                           "X-Accel-Buffering": "no"})
    await response.prepare(request)
    unassigned = who.staff.role == "admin"
    async with ctx.sessions.reading() as session:
        last = await latest_event_id(session, station.id)
        tickets = {t.id for t in await open_handoffs(session, station.id, unassigned=unassigned)}
    await response.write(b"retry: 3000\n: connected\n\n")
    idle = 0.0
    while True:
        started = time.monotonic()
        await ctx.bus.wait(station.id, ctx.poll_seconds)
        async with ctx.sessions.reading() as session:
            events = await events_since(session, station.id, last)
            now_open = {t.id for t in await open_handoffs(session, station.id, unassigned=unassigned)}
        for event in events:
            last = event.id
            await response.write(f"id: {event.id}\nevent: order\ndata: {event.to_status}\n\n".encode())
        if now_open - tickets:
            await response.write(f"event: handoff\ndata: {len(now_open)}\n\n".encode())
        tickets = now_open
        idle = 0.0 if events else idle + time.monotonic() - started
        if idle >= 15:
            await response.write(b": keep-alive\n\n")
            idle = 0.0


def requested_day(request: web.Request) -> date:
    return date_query(request) or local_today(context_of(request).clock())


async def meal_lines(request: web.Request) -> tuple[StaffSession, Station | None, date, list]:  # type: ignore[type-arg]
    who = await require_staff(request)
    station, _ = await station_in_view(request, who)
    day = requested_day(request)
    if station is None:
        return who, None, day, []
    async with context_of(request).sessions.reading() as session:
        return who, station, day, await meal_list(session, station.id, day)


@routes.get("/staff/meals")
async def meals_page(request: web.Request) -> web.Response:
    who, station, day, lines = await meal_lines(request)
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.window] = totals.get(line.window, 0) + line.portions
    return render(request, "meals.html", who=who, station=station, day=day, lines=lines, totals=list(totals.items()))


def spreadsheet_safe(text: str) -> str:
    """Free text that a spreadsheet would run as a formula (=, +, -, @) is kept as text."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


@routes.get("/staff/meals.csv")
async def meals_csv(request: web.Request) -> web.Response:
    _who, station, day, lines = await meal_lines(request)
    labels = {w.code: w.label for w in default_catalog().windows["meal"].values()}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["日期", "服务站", "餐次", "忌口", "份数", "订单数"])
    for line in lines:
        writer.writerow([day.isoformat(), station.name if station else "", labels.get(line.window, line.window),
                         spreadsheet_safe(line.diet), line.portions, line.orders])
    # A byte-order mark so spreadsheet programs open the Chinese text correctly.
    body = "\ufeff" + buffer.getvalue()
    filename = f"meals-{station.code if station else 'none'}-{day.isoformat()}.csv"
    return web.Response(body=body.encode("utf-8"), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})

