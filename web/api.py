"""The JSON API for station staff and provider systems (bearer token bound to one station)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from care import lifecycle
from care.access import Actor
from care.catalog import local_today
from care.errors import Invalid, NotFound
from care.models import Order, Station
from care.orders import (
    OrderRequest,
    meal_list,
    order_by_code,
    order_events,
    order_for_station,
    place_order,
    station_queue,
)
from care.orders import transition as apply_transition
from care.people import elder_by_phone, station_by_code
from care.views import event_dict, order_dict
from web.auth import api_actor
from web.context import context_of
from web.errors import date_query, json_response, read_json

routes = web.RouteTableDef()


async def require_actor(request: web.Request) -> Actor:
    actor = await api_actor(request)
    if actor is None:
        raise web.HTTPUnauthorized(text="请先登录或提供有效的令牌。", headers={"WWW-Authenticate": "Bearer"})
    return actor


async def actor_station(request: web.Request, actor: Actor) -> int:
    """The station whose queue the caller works; admins name one with ``?station=code``."""
    if actor.station_id is not None:
        return actor.station_id
    code = request.query.get("station")
    if actor.is_admin and code:
        async with context_of(request).sessions.reading() as session:
            return (await station_by_code(session, code)).id
    raise Invalid("请用 station 参数指定服务站。", "name a station with ?station=code")


class PlaceBody(BaseModel):
    elder_phone: str = Field(min_length=5, max_length=20)
    kind: Literal["meal", "bath", "home_visit"]
    visit_kind: Literal["check_in", "nursing", "cleaning", "escort"] | None = None
    date: date
    window: str = Field(min_length=1, max_length=20)
    quantity: int = Field(default=1, ge=1, le=20)
    diet: str | None = Field(default=None, max_length=100)
    notes: str | None = Field(default=None, max_length=500)
    idempotency_key: str | None = Field(default=None, max_length=120)


class ActionBody(BaseModel):
    reason: str | None = Field(default=None, max_length=500)


@routes.get("/api/orders")
async def list_orders(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    station_id = await actor_station(request, actor)
    status = request.query.get("status")
    if status and status not in lifecycle.STATUSES:
        raise Invalid("状态不对。", f"status must be one of {', '.join(lifecycle.STATUSES)}")
    kind = request.query.get("kind") or None
    first = date_query(request, "from") or local_today(context_of(request).clock())
    async with context_of(request).sessions.reading() as session:
        orders = await station_queue(session, station_id, first, statuses=(status,) if status else None, kind=kind)
    return json_response([order_dict(o) for o in orders])


@routes.post("/api/orders")
async def create_order(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    body = await read_json(request, PlaceBody)
    ctx = context_of(request)
    async with ctx.sessions.reading() as session:
        elder = await elder_by_phone(session, body.elder_phone)
    if elder is None:
        raise NotFound("找不到这位老人。", "elder not found")
    key = request.headers.get("Idempotency-Key") or body.idempotency_key
    req = OrderRequest(elder_id=elder.id, kind=body.kind, visit_kind=body.visit_kind, date=body.date,
                       window=body.window, quantity=body.quantity, diet=body.diet, notes=body.notes,
                       channel="api", idempotency_key=f"{actor.label}:{key}" if key else None)
    placed = await place_order(ctx.sessions, req, actor, ctx.clock())
    ctx.bus.publish(placed.order.station_id)
    return json_response(order_dict(placed.order), status=201 if placed.created else 200)


async def _order(request: web.Request, actor: Actor) -> Order:
    code = request.match_info["code"]
    async with context_of(request).sessions.reading() as session:
        if actor.is_admin:
            return await order_by_code(session, code)
        return await order_for_station(session, await actor_station(request, actor), code)


@routes.get("/api/orders/{code}")
async def get_order(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    order = await _order(request, actor)
    async with context_of(request).sessions.reading() as session:
        events = await order_events(session, order.id)
    return json_response({**order_dict(order), "events": [event_dict(e) for e in events]})


@routes.post("/api/orders/{code}/{action}")
async def order_action(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    action = request.match_info["action"]
    if action not in lifecycle.ACTIONS or not lifecycle.ACTIONS[action].by_station:
        raise web.HTTPNotFound()
    body = await read_json(request, ActionBody) if request.can_read_body else ActionBody()
    ctx = context_of(request)
    result = await apply_transition(ctx.sessions, request.match_info["code"], action, actor, ctx.clock(),
                                    reason=body.reason)
    ctx.bus.publish(result.order.station_id)
    return json_response({**order_dict(result.order), "changed": result.changed})


@routes.get("/api/meals")
async def meals(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    station_id = await actor_station(request, actor)
    day = date_query(request) or local_today(context_of(request).clock())
    async with context_of(request).sessions.reading() as session:
        station = await session.get(Station, station_id)
        lines = await meal_list(session, station_id, day)
    return json_response({"station": station.code if station else None, "date": day.isoformat(),
                          "lines": [{"window": ln.window, "diet": ln.diet, "portions": ln.portions,
                                     "orders": ln.orders} for ln in lines]})
