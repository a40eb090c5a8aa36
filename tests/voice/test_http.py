"""The dialplan's requests: register a caller before the audio, ask how the call ended after it."""

from __future__ import annotations

import time
import uuid

from aiohttp import web

from voice.http import mount
from voice.registry import CallRegistry


def _app(registry: CallRegistry, token: str | None = None) -> web.Application:
    app = web.Application()
    mount(app, registry, token)
    return app


async def test_the_dialplan_registers_a_caller_and_learns_the_outcome(aiohttp_client) -> None:
    registry = CallRegistry()
    client = await aiohttp_client(_app(registry))
    call = str(uuid.uuid4())
    response = await client.post("/voice/calls", json={"uuid": call.upper(), "caller": "+86 138-0000-0001"})
    assert response.status == 201 and (await response.json()) == {"uuid": call, "registered": True}
    assert registry.caller(call, time.monotonic()) == "13800000001"
    assert (await (await client.get(f"/voice/calls/{call}")).json())["outcome"] is None
    registry.finish(call, "transfer", time.monotonic())
    assert (await (await client.get(f"/voice/calls/{call}")).json())["outcome"] == "transfer"


async def test_a_withheld_number_is_an_anonymous_caller(aiohttp_client) -> None:
    registry = CallRegistry()
    client = await aiohttp_client(_app(registry))
    call = str(uuid.uuid4())
    response = await client.post("/voice/calls", json={"uuid": call, "caller": "anonymous"})
    assert response.status == 201 and (await response.json())["registered"] is False
    assert registry.caller(call, time.monotonic()) is None


async def test_bad_requests_get_a_clear_answer(aiohttp_client) -> None:
    client = await aiohttp_client(_app(CallRegistry()))
    for body in (b"{not json", b'{"caller": "13800000001"}', b'{"uuid": "not-a-uuid", "caller": "1"}',
                 b'{"uuid": "' + b"9" * 100 + b'"}'):
        response = await client.post("/voice/calls", data=body, headers={"Content-Type": "application/json"})
        assert response.status == 422 and (await response.json())["error"]
    assert (await client.get("/voice/calls/nonsense")).status == 404


async def test_with_a_token_only_the_pbx_that_knows_it_is_served(aiohttp_client) -> None:
    registry = CallRegistry()
    client = await aiohttp_client(_app(registry, token="s3cret"))
    call = str(uuid.uuid4())
    body = {"uuid": call, "caller": "13800000001"}
    assert (await client.post("/voice/calls", json=body)).status == 403
    assert (await client.post("/voice/calls", json=body, headers={"Authorization": "Bearer wrong"})).status == 403
    assert (await client.get(f"/voice/calls/{call}")).status == 403
    assert registry.caller(call, time.monotonic()) is None
    ok = await client.post("/voice/calls", json=body, headers={"Authorization": "Bearer s3cret"})
    assert ok.status == 201 and registry.caller(call, time.monotonic()) == "13800000001"
