"""A real webhook receiver on 127.0.0.1 that the outbox worker posts to, and a clock to move by hand."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from aiohttp import web

from tests.conftest import NOW

SECRET = "receiver-secret-0123456789"


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Received:
    delivery: str
    signature: str
    topic: str
    body: bytes
    status: int


@dataclass
class Receiver:
    """Answers 500 to the first ``fail_first`` requests of each delivery id, then 200;
    ``fail_always`` answers 500 to everything; ``hang`` makes it wait for ``release``."""

    fail_first: int = 0
    fail_always: bool = False
    hang: bool = False
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        delivery = request.headers.get("X-Eldercare-Delivery", "")
        seen = sum(1 for r in self.requests if r.delivery == delivery)
        if self.hang:
            await self.release.wait()
        status = 500 if self.fail_always or seen < self.fail_first else 200
        self.requests.append(Received(delivery, request.headers.get("X-Eldercare-Signature", ""),
                                      request.headers.get("X-Eldercare-Topic", ""), body, status))
        return web.Response(status=status, text="服务器忙" if status == 500 else "ok")

    def succeeded(self) -> list[Received]:
        return [r for r in self.requests if r.status == 200]


async def _moved(request: web.Request) -> web.Response:
    raise web.HTTPTemporaryRedirect("/hook")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def receiver(aiohttp_server):  # type: ignore[no-untyped-def]
    state = Receiver()
    app = web.Application()
    app.router.add_post("/hook", state.handle)
    app.router.add_post("/moved", _moved)
    server = await aiohttp_server(app, host="127.0.0.1")
    state.url = str(server.make_url("/hook"))
    yield state
    state.release.set()
