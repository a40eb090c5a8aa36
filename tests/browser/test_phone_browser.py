"""The browser phone in Chromium: ring the line from the page, hear and read the greeting, use
the keypad, hang up. The line is the real one (assistant, espeak-ng speech) over a WebSocket."""

from __future__ import annotations

import pytest
from aiohttp import ClientSession, WSServerHandshakeError

from assistant import Assistant
from tests.conftest import NOW
from voice import phrases as VP
from voice.audiosocket import Kind, encode
from voice.call import CallTiming, Line
from voice.http import mount
from voice.registry import CallRegistry
from voice.tts import EspeakSynthesizer
from web.app import create_app
from web.context import AppContext

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db", ["sqlite"], indirect=True)]


async def _server(aiohttp_server, demo, browser_calls: int = 5):  # type: ignore[no-untyped-def]
    context = AppContext(sessions=demo.sessions, secret_key=b"browser-secret", clock=lambda: NOW)
    app = create_app(context)
    line = Line(Assistant(demo.sessions), EspeakSynthesizer(), None, demo.sessions, CallRegistry(),
                clock=lambda: NOW, timing=CallTiming(no_input_seconds=30), max_browser_calls=browser_calls)
    mount(app, line.registry, None, line)
    return await aiohttp_server(app)


async def test_calling_the_line_from_the_page(aiohttp_server, browser, demo, tmp_path) -> None:
    server = await _server(aiohttp_server, demo)
    page = await browser.new_page(viewport={"width": 420, "height": 860})
    await page.goto(f"http://127.0.0.1:{server.port}/phone")
    await page.click("#call")
    await page.wait_for_function("document.getElementById('subtitles').textContent.includes('您好')")
    await page.wait_for_function("Number(document.body.dataset.heard || 0) > 20")  # the greeting is heard
    assert "请按键" in await page.inner_text("#status") or "请说话" in await page.inner_text("#status")
    await page.click("button.key[data-key='4']")
    await page.wait_for_function("document.getElementById('subtitles').textContent.includes('问题')")
    await page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    await page.click("#hangup")
    await page.wait_for_function("document.getElementById('status').textContent.includes('已挂断')")
    assert await page.is_enabled("#call") and not await page.is_enabled("button.key[data-key='1']")


async def test_another_sites_page_may_not_ring_the_line(aiohttp_server, demo) -> None:
    server = await _server(aiohttp_server, demo)
    async with ClientSession() as client:
        with pytest.raises(WSServerHandshakeError) as refused:
            await client.ws_connect(f"http://127.0.0.1:{server.port}/phone/ws", origin="https://evil.example")
        assert refused.value.status == 403
        async with client.ws_connect(f"http://127.0.0.1:{server.port}/phone/ws",
                                     origin=f"http://127.0.0.1:{server.port}") as socket:
            greeting = await socket.receive_json(timeout=10)
        assert "您好" in greeting["say"]


async def test_asking_for_a_person_from_the_page_says_whom_to_ring(aiohttp_server, browser, demo) -> None:
    server = await _server(aiohttp_server, demo)
    page = await browser.new_page()
    await page.goto(f"http://127.0.0.1:{server.port}/phone")
    await page.click("#call")
    await page.wait_for_function("document.getElementById('subtitles').textContent.includes('您好')")
    await page.keyboard.press("0")  # the computer's keyboard works as the keypad
    await page.wait_for_function("document.getElementById('subtitles').textContent.includes('12349')")
    await page.wait_for_function("document.getElementById('status').textContent.includes('已挂断')")
    assert VP.NO_TRANSFER_ONLINE in await page.inner_text("#subtitles")


async def test_a_busy_line_says_so_to_a_browser(aiohttp_server, demo) -> None:
    server = await _server(aiohttp_server, demo, browser_calls=0)
    async with ClientSession() as client, client.ws_connect(f"http://127.0.0.1:{server.port}/phone/ws") as socket:
        assert (await socket.receive_json(timeout=10))["say"] == VP.LINE_BUSY
        assert (await socket.receive_bytes(timeout=10)) == encode(Kind.HANGUP)
