"""The staff console over HTTP: login, the queue, actions, isolation, the meal list."""

from __future__ import annotations

import asyncio
import re

from care import people
from care.access import ELDER, Actor
from care.orders import OrderRequest, place_order
from tests.conftest import NOW
from tests.web.conftest import csrf_of, login


async def test_the_console_asks_for_a_login_first(client) -> None:
    response = await client.get("/staff", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/staff/login"


async def test_a_wrong_password_is_refused_and_repeated_failures_are_slowed_down(client) -> None:
    failed = await login(client, password="wrong")
    assert failed.status == 401 and "用户名或密码不对" in await failed.text()
    for _ in range(4):
        await login(client, password="wrong")
    blocked = await login(client)  # even the right password waits now
    assert blocked.status == 429 and "5分钟" in await blocked.text()


async def test_login_without_the_form_token_is_refused(client) -> None:
    response = await client.post("/staff/login", data={"username": "xinhua", "password": "eldercare-demo"})
    assert response.status == 403


async def test_staff_see_their_station_queue_with_the_demo_orders(client) -> None:
    assert (await login(client)).status == 303
    page = await (await client.get("/staff")).text()
    assert "海州区新华社区居家养老服务站" in page
    assert "刘德福" in page and "糖尿病餐" in page
    assert "周淑芬" not in page  # served by the 幸福路 station


async def test_accepting_from_the_queue_and_a_double_submit(client) -> None:
    await login(client)
    csrf = await csrf_of(client)
    orders = await (await client.get("/api/orders", params={"kind": "meal"})).json()
    code = orders[0]["id"]
    first = await client.post(f"/staff/orders/{code}/accept", data={"csrf": csrf}, allow_redirects=False)
    second = await client.post(f"/staff/orders/{code}/accept", data={"csrf": csrf}, allow_redirects=False)
    assert first.status == second.status == 303
    detail = await (await client.get(f"/api/orders/{code}")).json()
    assert detail["status"] == "accepted"
    assert [e["to"] for e in detail["events"]] == ["pending", "accepted"]


async def test_an_action_without_the_csrf_token_is_refused(client) -> None:
    await login(client)
    orders = await (await client.get("/api/orders")).json()
    response = await client.post(f"/staff/orders/{orders[0]['id']}/accept", data={"csrf": "forged"})
    assert response.status == 403
    assert (await (await client.get(f"/api/orders/{orders[0]['id']}")).json())["status"] == "pending"


async def test_rejecting_needs_a_reason(client) -> None:
    await login(client)
    csrf = await csrf_of(client)
    code = (await (await client.get("/api/orders")).json())[0]["id"]
    response = await client.post(f"/staff/orders/{code}/reject", data={"csrf": csrf, "reason": ""})
    assert response.status == 422 and "原因" in await response.text()


async def test_another_stations_order_is_not_found_in_pages_or_api(client) -> None:
    await login(client, "xingfu")
    theirs = await (await client.get("/api/orders")).json()
    await client.get("/staff/logout")
    client.session.cookie_jar.clear()
    await login(client, "xinhua")
    csrf = await csrf_of(client)
    code = theirs[0]["id"]
    assert (await client.get(f"/staff/orders/{code}")).status == 404
    assert (await client.get(f"/api/orders/{code}")).status == 404
    assert (await client.post(f"/staff/orders/{code}/accept", data={"csrf": csrf})).status == 404


async def test_order_detail_shows_address_phone_and_diet(client) -> None:
    await login(client)
    orders = await (await client.get("/api/orders", params={"kind": "meal"})).json()
    liu = next(o for o in orders if o["elder"] == "刘德福")
    page = await (await client.get(f"/staff/orders/{liu['id']}")).text()
    assert "朝阳新村6栋302室" in page and "13800000004" in page and "糖尿病餐" in page


async def test_the_meal_list_counts_portions_per_meal_and_diet_and_exports_csv(client) -> None:
    await login(client)
    page = await (await client.get("/staff/meals", params={"date": "2026-11-27"})).text()
    assert "糖尿病餐" in page and "午餐合计" in page
    csv = await client.get("/staff/meals.csv", params={"date": "2026-11-27"})
    text = (await csv.read()).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "日期,服务站,餐次,忌口,份数,订单数"
    assert lines[1:] == ["2026-11-27,海州区新华社区居家养老服务站,午餐,糖尿病餐,2,1"]
    bad = await client.get("/staff/meals", params={"date": "tomorrow"})
    assert bad.status == 422


async def test_the_event_stream_announces_an_order_placed_meanwhile(client, demo) -> None:
    await login(client)
    stream = await client.get("/staff/events")
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    assert b"connected" in await stream.content.readuntil(b"\n\n")
    async with demo.sessions() as session:
        elder = await people.elder_by_phone(session, "13800000004")
    req = OrderRequest(elder_id=elder.id, kind="bath", date=NOW.date().replace(day=28), window="afternoon")
    await place_order(demo.sessions, req, Actor(ELDER, elder.id), NOW)
    chunk = await asyncio.wait_for(stream.content.readuntil(b"\n\n"), timeout=5)
    assert b"event: order" in chunk and b"data: pending" in chunk
    stream.close()


async def test_requests_for_a_person_wait_in_the_console_until_handled(client, demo) -> None:
    from assistant import Assistant, Turn, identify

    assistant = Assistant(demo.sessions)
    async with demo.sessions() as session:
        user = await identify(session, "phone", phone="13800000004")
    await assistant.handle(Turn(channel="phone", user=user, at=NOW, text="我摔倒了起不来"))
    await login(client)
    page = await (await client.get("/staff")).text()
    assert "待回电（1）" in page and "紧急求助" in page and "刘德福" in page
    ticket = re.search(r'/staff/handoffs/(\d+)/close', page).group(1)
    csrf = await csrf_of(client)
    await client.post(f"/staff/handoffs/{ticket}/close", data={"csrf": csrf})
    assert "待回电" not in await (await client.get("/staff")).text()


async def test_tickets_no_station_could_be_found_for_wait_in_the_admins_console(client, demo) -> None:
    from assistant import Assistant, Turn, identify

    async with demo.sessions() as session:
        stranger = await identify(session, "phone", phone="13700001234")
    await Assistant(demo.sessions).handle(Turn(channel="phone", user=stranger, at=NOW, text="我摔倒了起不来"))
    await login(client, "admin", "eldercare-admin")
    page = await (await client.get("/staff")).text()
    assert "待回电（1）" in page and "来电 13700001234" in page
    client.session.cookie_jar.clear()
    await login(client)
    assert "待回电" not in await (await client.get("/staff")).text()


async def test_the_event_stream_announces_a_new_call_back_request(client, demo) -> None:
    from assistant import Assistant, Turn, identify

    await login(client)
    stream = await client.get("/staff/events")
    assert b"connected" in await stream.content.readuntil(b"\n\n")
    async with demo.sessions() as session:
        caller = await identify(session, "phone", phone="13800000004")
    await Assistant(demo.sessions).handle(Turn(channel="phone", user=caller, at=NOW, text="转人工"))
    chunk = b""
    while b"event: handoff" not in chunk:
        chunk = await asyncio.wait_for(stream.content.readuntil(b"\n\n"), timeout=5)
    stream.close()


async def test_a_changed_password_ends_earlier_sessions(client, demo) -> None:
    from sqlalchemy import update

    from care.models import Staff
    from care.people import hash_password

    await login(client)
    assert (await client.get("/staff", allow_redirects=False)).status == 200
    async with demo.sessions() as session, session.begin():
        await session.execute(update(Staff).where(Staff.username == "xinhua")
                              .values(password_hash=hash_password("a-new-password-2026")))
    assert (await client.get("/staff", allow_redirects=False)).status == 303


def test_failed_logins_from_elsewhere_do_not_count_against_a_colleague() -> None:
    from web.staff import login_keys

    assert not set(login_keys("10.0.0.9", "xinhua")) & set(login_keys("192.168.1.20", "xinhua"))


def test_diet_text_cannot_become_a_spreadsheet_formula() -> None:
    from web.staff import spreadsheet_safe

    assert spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)" and spreadsheet_safe("少盐") == "少盐"
