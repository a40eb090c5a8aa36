"""The web chat API: a browser session becomes a family member by linking code, then books."""

from __future__ import annotations

import time

import pytest

from care import people
from tests.conftest import NOW
from web.auth import encode_signed

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


async def link_code(demo, phone: str = "13800000001", relation: str = "mother") -> str:  # type: ignore[no-untyped-def]
    async with demo.sessions() as session, session.begin():
        elder = await people.elder_by_phone(session, phone)
        return await people.issue_link_code(session, elder.id, relation, NOW)


async def say(client, message: str = "", option: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    response = await client.post("/api/chat", json={"message": message, "option": option})
    assert response.status == 200
    return await response.json()


async def test_the_chat_page_is_served_in_large_type(client) -> None:
    page = await (await client.get("/")).text()
    assert "养老服务助手" in page and "/static/chat.js" in page and 'lang="zh-CN"' in page


async def test_an_anonymous_visitor_can_ask_but_not_book(client) -> None:
    answer = await say(client, "我要订餐")
    assert "登记" in answer["replies"][0]["text"]


async def test_a_linked_browser_books_for_the_elder(client, demo) -> None:
    code = await link_code(demo)
    linked = await say(client, f"绑定 {code}")
    assert "王秀英" in linked["replies"][0]["text"] and linked["user"]["kind"] == "family"
    read_back = await say(client, "明天中午送一份饭")
    assert "对吗" in read_back["replies"][-1]["text"]
    assert [o["label"] for o in read_back["replies"][-1]["options"]] == ["确认", "重新来"]
    placed = await say(client, option="1")
    order = placed["replies"][-1]["order"]
    assert order["status"] == "pending" and order["date"] == "2026-11-27"


async def test_a_used_code_does_not_link_a_second_browser(aiohttp_client, client, context, demo) -> None:
    from web.app import create_app

    code = await link_code(demo)
    await say(client, f"绑定 {code}")
    other = await aiohttp_client(create_app(context))
    again = await say(other, f"绑定 {code}")
    assert "失效" in again["replies"][0]["text"] and again["user"]["kind"] == "anonymous"


async def test_a_forged_session_cookie_is_ignored(client, demo) -> None:
    client.session.cookie_jar.update_cookies({"eldercare_chat": "eyJzaWQiOiJ4IiwiZmFtaWx5IjoxfQ.forged"})
    answer = await say(client, "我要订餐")
    assert "登记" in answer["replies"][0]["text"]


async def test_bad_chat_bodies_are_refused_plainly(client) -> None:
    response = await client.post("/api/chat", data="not json")
    assert response.status == 422 and "JSON" in (await response.json())["message"]
    long = await client.post("/api/chat", json={"message": "啊" * 10_001})
    assert long.status == 422


async def test_guessing_link_codes_stops_after_five_tries(client, demo) -> None:
    code = await link_code(demo)
    wrong = "00000000" if code != "00000000" else "11111111"
    for _ in range(5):
        assert "失效" in (await say(client, f"绑定 {wrong}"))["replies"][0]["text"]
    blocked = await say(client, f"绑定 {code}")
    assert "太多次" in blocked["replies"][0]["text"] and blocked["user"]["kind"] == "anonymous"


async def test_a_flood_of_messages_in_one_conversation_is_slowed_down(client) -> None:
    statuses = [(await client.post("/api/chat", json={"message": "你好"})).status for _ in range(32)]
    assert statuses == [200] * 31 + [429]  # the first message opens the conversation, then 30 a minute


async def test_a_flood_of_new_conversations_from_one_address_is_slowed_down(client) -> None:
    statuses = []
    for _ in range(61):
        client.session.cookie_jar.clear()
        statuses.append((await client.post("/api/chat", json={"message": "你好"})).status)
    assert statuses == [200] * 60 + [429]


async def test_a_browser_linked_to_someone_no_longer_on_record_is_anonymous_again(client) -> None:
    """A database reset leaves old cookies naming members that are gone: never a crash or their power."""
    forged = encode_signed(b"test-secret", {"sid": "old-browser", "family": 99_999}, 3600, time.time())
    client.session.cookie_jar.update_cookies({"eldercare_chat": forged})
    for message, option in (("救命，我摔倒了", None), ("", "0"), ("我要订餐", None)):
        answer = await say(client, message, option)
        assert answer["user"]["kind"] == "anonymous" and answer["replies"]
