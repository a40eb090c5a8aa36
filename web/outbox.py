"""Notifications that could not be delivered (dead letters): a console page and the JSON API.

Staff of a station see the dead letters concerning their station and can send one again; admins see
every station's (or one, with ``?station=code``). Register with ``create_app(context, extra_routes=[routes])``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select

from care import lifecycle
from care.access import Actor
from care.catalog import TZ
from care.errors import NotFound
from care.models import Elder, FamilyMember, Outbox, Station
from care.outbox import dead_letters, retry_dead
from care.people import station_by_code
from web.api import require_actor
from web.auth import check_csrf
from web.context import context_of
from web.errors import json_response
from web.staff import render, require_staff

routes = web.RouteTableDef()
RECIPIENT_LABELS = {"station": "服务站", "elder": "老人", "family": "家属"}
WORKER = "outbox_worker"
"""Key in ``AppContext.extras`` of a worker running in this process: woken after a requeue."""


def _visible_station(actor: Actor) -> int | None:
    """The station whose dead letters the actor sees; None means all (admins only)."""
    if actor.is_admin:
        return None
    return actor.station_id or 0  # staff without a station see nothing


async def _station_filter(request: web.Request, actor: Actor) -> tuple[int | None, Station | None]:
    station_id = _visible_station(actor)
    code = request.query.get("station")
    async with context_of(request).sessions.reading() as session:
        if station_id is None and code:
            station = await station_by_code(session, code)
            return station.id, station
        return station_id, await session.get(Station, station_id) if station_id else None


def _describe(rows: list[Outbox]) -> list[dict[str, Any]]:
    """Rows as dictionaries with the recipient's name (looked up in one query per kind)."""
    return [
        {"id": row.id, "topic": row.topic, "order": row.payload.get("order"), "event": row.payload.get("event"),
         "event_label": lifecycle.STATUS_LABELS.get(str(row.payload.get("event")), str(row.payload.get("event"))),
         "recipient_type": row.recipient_type,
         "recipient_label": RECIPIENT_LABELS.get(row.recipient_type, row.recipient_type),
         "recipient_id": row.recipient_id, "attempts": row.attempts, "last_error": row.last_error,
         "created_at": row.created_at.astimezone(TZ).isoformat(),
         "station_id": row.payload.get("station_id")}
        for row in rows
    ]


async def _names(request: web.Request, rows: list[Outbox]) -> dict[tuple[str, int], str]:
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if row.recipient_id is not None:
            wanted.setdefault(row.recipient_type, set()).add(row.recipient_id)
    names: dict[tuple[str, int], str] = {}
    tables = {"station": Station, "elder": Elder, "family": FamilyMember}
    async with context_of(request).sessions.reading() as session:
        for kind, ids in wanted.items():
            table = tables.get(kind)
            if table is None:
                continue
            result = await session.execute(select(table.id, table.name).where(table.id.in_(sorted(ids))))
            names.update(((kind, rid), name) for rid, name in result.all())
    return names


async def _letters(request: web.Request, station_id: int | None) -> list[dict[str, Any]]:
    async with context_of(request).sessions.reading() as session:
        rows = await dead_letters(session, station_id)
    names = await _names(request, rows)
    letters = _describe(rows)
    for letter in letters:
        letter["recipient_name"] = names.get((letter["recipient_type"], letter["recipient_id"]), "")
    return letters


async def _requeue(request: web.Request, actor: Actor) -> int:
    try:
        row_id = int(request.match_info["id"])
    except ValueError as exc:
        raise NotFound("找不到这条发送失败的通知。", "no such dead letter") from exc
    ctx = context_of(request)
    async with ctx.sessions() as session, session.begin():
        await retry_dead(session, row_id, ctx.clock(), station_id=_visible_station(actor))
    worker = ctx.extras.get(WORKER)
    if worker is not None:
        worker.wake()
    return row_id


@routes.get("/staff/outbox")
async def outbox_page(request: web.Request) -> web.Response:
    who = await require_staff(request)
    station_id, station = await _station_filter(request, who.actor)
    station_name = station.name if station else "全部服务站" if station_id is None else ""
    requeued = request.query.get("requeued", "")
    notice = f"第{requeued}号通知已重新排队，马上会再发送。" if requeued.isdigit() else None
    return render(request, "outbox.html", who=who, station=station, station_name=station_name,
                  letters=await _letters(request, station_id), notice=notice)


@routes.post("/staff/outbox/{id}/retry")
async def outbox_retry(request: web.Request) -> web.Response:
    who = await require_staff(request)
    check_csrf(request, who, str((await request.post()).get("csrf", "")))
    row_id = await _requeue(request, who.actor)
    raise web.HTTPSeeOther(f"/staff/outbox?requeued={row_id}")


@routes.get("/api/outbox/dead")
async def api_dead_letters(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    station_id, _ = await _station_filter(request, actor)
    return json_response(await _letters(request, station_id))


@routes.post("/api/outbox/{id}/retry")
async def api_retry(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    row_id = await _requeue(request, actor)
    return json_response({"id": row_id, "requeued": True})
