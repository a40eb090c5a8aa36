"""The web chat for families: the page at ``/`` and ``POST /api/chat`` (one session per browser)."""

from __future__ import annotations

import secrets
import time

from aiohttp import web
from pydantic import BaseModel, Field

from assistant import Assistant, Turn, UserRef
from assistant.types import ANONYMOUS, FAMILY
from care.models import FamilyMember
from web.auth import CHAT_LIMIT, NEW_CHAT_LIMIT, decode_signed, encode_signed
from web.context import context_of
from web.errors import json_response, read_json
from web.staff import render

routes = web.RouteTableDef()
COOKIE = "eldercare_chat"
SESSION_SECONDS = 30 * 24 * 3600
ASSISTANT = web.AppKey("assistant", Assistant)


class ChatBody(BaseModel):
    message: str = Field(default="", max_length=10_000)
    option: str | None = Field(default=None, max_length=4)
    """The key of an option button that was pressed."""


def _session(request: web.Request) -> dict:
    data = decode_signed(context_of(request).secret_key, request.cookies.get(COOKIE, ""), time.time())
    return data if data and "sid" in data else {"sid": secrets.token_urlsafe(16)}


async def _user(request: web.Request, session: dict) -> UserRef:
    """Who this browser is: the family member it linked as (still on record), or anonymous."""
    key = f"web:{session['sid']}"
    family_id = session.get("family")
    if family_id:
        async with context_of(request).sessions.reading() as db:
            member = await db.get(FamilyMember, family_id)
        if member is not None:
            return UserRef(FAMILY, member.id, member.name, key)
        session.pop("family")  # gone from the records (a reset database): anonymous from now on
    return UserRef(ANONYMOUS, None, None, key)


@routes.get("/")
async def page(request: web.Request) -> web.Response:
    return render(request, "chat.html")


@routes.get("/phone")
async def phone_page(request: web.Request) -> web.Response:
    """The hotline in a browser (its socket, ``/phone/ws``, is the phone line's: ``voice.http``)."""
    return render(request, "phone.html")


@routes.post("/api/chat")
async def chat(request: web.Request) -> web.Response:
    session = _session(request)
    known = "exp" in session  # a conversation this server signed before
    limit = request.app[CHAT_LIMIT if known else NEW_CHAT_LIMIT]
    keys = [session["sid"] if known else str(request.remote)]
    if limit.exceeded(keys, time.monotonic()):
        raise web.HTTPTooManyRequests(text="您发得太快了，请稍等一会儿再发。", headers={"Retry-After": "60"})
    limit.record(keys, time.monotonic())
    body = await read_json(request, ChatBody)
    ctx = context_of(request)
    user = await _user(request, session)
    turn = Turn(channel="web", user=user, at=ctx.clock(), text=body.message or None, dtmf=body.option)
    replies = await request.app[ASSISTANT].handle(turn)
    for reply in replies:
        if reply.extras.get("family_id"):
            session["family"] = reply.extras["family_id"]
    payload = {
        "replies": [{"text": r.text, "options": [{"key": o.key, "label": o.label} for o in r.options],
                     "order": r.order, "intent": r.intent} for r in replies],
        "user": {"kind": user.kind if not session.get("family") else FAMILY, "name": user.name},
    }
    response = json_response(payload)
    response.set_cookie(COOKIE, encode_signed(ctx.secret_key, session, SESSION_SECONDS, time.time()),
                        httponly=True, samesite="Strict", max_age=SESSION_SECONDS, secure=ctx.secure_cookies)
    return response
