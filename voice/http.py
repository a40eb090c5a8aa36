"""The line's HTTP side. The dialplan's side door (CONTRACTS.md §5): ``POST /voice/calls``
registers a caller's number under the call's UUID before the audio connects; ``GET
/voice/calls/{uuid}`` says how the audio part ended (``transfer`` → the dialplan dials a person;
``hangup``). And ``/phone/ws``, the line for a browser (``voice.websocket``; the page is ``/phone``).

Only the PBX may call these: with ``ELDERCARE_VOICE_TOKEN`` set, requests must carry it as
``Authorization: Bearer …``; without it, only clients on this machine are served.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import time
import uuid
from functools import partial
from urllib.parse import urlsplit

from aiohttp import web
from pydantic import BaseModel, Field, ValidationError

from care.people import normalise_phone
from voice.call import Line
from voice.registry import CallRegistry
from voice.websocket import answer_websocket

log = logging.getLogger(__name__)
REGISTRY = web.AppKey("voice_calls", CallRegistry)
LINE = web.AppKey("phone_line", Line)
TOKEN = web.AppKey("voice_token", str)
MAX_BODY = 4096


class CallIn(BaseModel):
    uuid: str = Field(max_length=64)
    caller: str = Field(default="", max_length=40)
    """The caller's number as the carrier presented it ('' or 'anonymous' when withheld)."""


def _call_id(text: str) -> str | None:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def _allowed(request: web.Request) -> bool:
    token = request.app[TOKEN]
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        allowed = hmac.compare_digest(given.encode(), token.encode())
    else:
        try:
            allowed = ipaddress.ip_address(request.remote or "").is_loopback
        except ValueError:
            allowed = False
    if not allowed:
        log.warning("/voice/calls refused from %s (%s)", request.remote,
                    "wrong token" if token else "not this machine, and ELDERCARE_VOICE_TOKEN is unset")
    return allowed


def _refuse(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status, dumps=partial(json.dumps, ensure_ascii=False))


async def register_call(request: web.Request) -> web.Response:
    if not _allowed(request):
        return _refuse(403, "只接受电话交换机的请求。")
    if (request.content_length or 0) > MAX_BODY:
        return _refuse(413, "请求太大了。")
    try:
        body = CallIn.model_validate_json(await request.read())
    except ValidationError:
        return _refuse(422, "需要 JSON：{\"uuid\": 通话编号, \"caller\": 来电号码}。")
    call_id = _call_id(body.uuid)
    if call_id is None:
        return _refuse(422, "uuid 不是有效的通话编号。")
    caller = normalise_phone(body.caller) or None
    request.app[REGISTRY].register(call_id, caller, time.monotonic())
    return web.json_response({"uuid": call_id, "registered": caller is not None}, status=201)


async def call_outcome(request: web.Request) -> web.Response:
    if not _allowed(request):
        return _refuse(403, "只接受电话交换机的请求。")
    call_id = _call_id(request.match_info["uuid"])
    if call_id is None:
        return _refuse(404, "没有这个通话。")
    return web.json_response({"uuid": call_id, "outcome": request.app[REGISTRY].outcome(call_id, time.monotonic())})


async def phone_socket(request: web.Request) -> web.StreamResponse:
    origin = request.headers.get("Origin")
    if origin and urlsplit(origin).netloc != request.host:  # another site's page may not ring the line
        return _refuse(403, "只接受本站页面的通话。")
    return await answer_websocket(request.app[LINE], request)


def mount(app: web.Application, registry: CallRegistry, token: str | None, line: Line | None = None) -> None:
    app[REGISTRY] = registry
    app[TOKEN] = token or ""
    app.router.add_post("/voice/calls", register_call)
    app.router.add_get("/voice/calls/{uuid}", call_outcome)
    if line is not None:
        app[LINE] = line
        app.router.add_get("/phone/ws", phone_socket)
