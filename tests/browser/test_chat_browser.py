"""The family chat page in Chromium: link with a code, then book a meal for the elder by tapping."""

from __future__ import annotations

import pytest

from care import people
from tests.conftest import NOW
from web.app import create_app
from web.context import AppContext

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db", ["sqlite"], indirect=True)]


async def test_a_family_member_books_a_meal_for_a_linked_elder(aiohttp_server, browser, demo, tmp_path) -> None:
    async with demo.sessions() as session, session.begin():
        mother = await people.elder_by_phone(session, "13800000001")
        code = await people.issue_link_code(session, mother.id, "mother", NOW)
    context = AppContext(sessions=demo.sessions, secret_key=b"browser-secret", clock=lambda: NOW)
    server = await aiohttp_server(create_app(context))
    page = await browser.new_page(viewport={"width": 420, "height": 860})
    await page.goto(f"http://127.0.0.1:{server.port}/")

    async def send(text: str) -> None:
        await page.fill("#message", text)
        await page.click("#send")

    await send(f"绑定 {code}")
    await page.wait_for_selector("li.bot:has-text('绑定好了')")
    await send("明天中午给我妈送两份饭")
    await page.wait_for_selector("li.bot:has-text('对吗')")
    await page.click("button.option:has-text('确认')")
    placed = page.locator("li.bot.order")
    await placed.wait_for()
    text = await placed.inner_text()
    assert "订好了" in text and "单号" in text
    await page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)
    async with demo.sessions() as session:
        from sqlalchemy import select

        from care.models import Order

        orders = (await session.execute(select(Order).where(Order.elder_id == mother.id))).scalars().all()
    assert [(o.quantity, o.channel, o.date.isoformat()) for o in orders] == [(2, "web", "2026-11-27")]
