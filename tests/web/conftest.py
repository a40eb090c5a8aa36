from __future__ import annotations

import re

import pytest

from tests.conftest import NOW
from web.app import create_app
from web.context import AppContext


@pytest.fixture
def context(demo) -> AppContext:  # type: ignore[no-untyped-def]
    return AppContext(sessions=demo.sessions, secret_key=b"test-secret", clock=lambda: NOW, poll_seconds=0.2)


@pytest.fixture
async def client(aiohttp_client, context):  # type: ignore[no-untyped-def]
    return await aiohttp_client(create_app(context))


async def login(client, username: str = "xinhua", password: str = "eldercare-demo"):  # type: ignore[no-untyped-def]
    page = await client.get("/staff/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', await page.text()).group(1)
    return await client.post("/staff/login", data={"username": username, "password": password,
                                                   "login_csrf": token}, allow_redirects=False)


async def csrf_of(client) -> str:  # type: ignore[no-untyped-def]
    page = await client.get("/staff")
    return re.search(r'name="csrf" value="([^"]+)"', await page.text()).group(1)
