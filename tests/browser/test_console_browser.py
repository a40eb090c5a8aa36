"""The staff console in Chromium: log in, see an order appear live, accept, start and complete it."""

from __future__ import annotations

import os
from datetime import date

import pytest

from care import people
from care.access import FAMILY, Actor
from care.orders import OrderRequest, place_order
from tests.conftest import NOW
from web.app import create_app
from web.context import AppContext

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db", ["sqlite"], indirect=True)]


async def test_staff_work_an_order_that_arrives_while_they_watch(aiohttp_server, browser, demo, tmp_path) -> None:
    context = AppContext(sessions=demo.sessions, secret_key=b"browser-secret", clock=lambda: NOW, poll_seconds=0.5)
    server = await aiohttp_server(create_app(context))
    base = f"http://127.0.0.1:{server.port}"
    page = await browser.new_page(viewport={"width": 1180, "height": 820})

    await page.goto(f"{base}/staff")
    await page.fill("input[name=username]", "xinhua")
    await page.fill("input[name=password]", "eldercare-demo")
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=海州区新华社区居家养老服务站")
    await page.wait_for_selector("#live:has-text('实时更新中')")

    # Meanwhile, a daughter books a meal for her mother through another channel.
    async with demo.sessions() as session:
        daughter = await people.family_by_phone(session, "13900000001")
        mother = await people.elder_by_phone(session, "13800000001")
    request = OrderRequest(elder_id=mother.id, kind="meal", date=date(2026, 11, 28), window="dinner", quantity=2,
                           channel="telegram")
    order = (await place_order(demo.sessions, request, Actor(FAMILY, daughter.id), NOW)).order
    row = page.locator(f"#order-{order.code}")
    await row.wait_for(timeout=30_000)
    assert "王秀英" in await row.inner_text() and "× 2" in await row.inner_text()
    await page.screenshot(path=str(tmp_path / "queue.png"), full_page=True)

    await row.locator("button:has-text('接单')").click()
    await page.wait_for_selector(f"text=订单 {order.code} 已接单")
    await page.locator(f"#order-{order.code} button:has-text('开始服务')").click()
    await page.wait_for_selector(f"text=订单 {order.code} 已开始服务")
    await page.locator(f"#order-{order.code} button:has-text('完成')").click()
    await page.wait_for_selector(f"text=订单 {order.code} 已完成")
    # Completed orders leave the open queue; the detail page shows the whole trail.
    assert await page.locator(f"#order-{order.code}").count() == 0
    await page.goto(f"{base}/staff/orders/{order.code}")
    trail = await page.locator("ol.events").inner_text()
    assert "待接单 → 已接单" in trail and "服务中 → 已完成" in trail
    await page.screenshot(path=str(tmp_path / "detail.png"), full_page=True)
    if os.environ.get("ELDERCARE_SCREENSHOTS"):
        import shutil

        shutil.copy(tmp_path / "queue.png", os.environ["ELDERCARE_SCREENSHOTS"])
