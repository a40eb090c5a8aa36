"""The console page and JSON API of undeliverable notifications: isolation per station, requeueing."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from care import people
from care.models import Outbox, Station
from tests.conftest import NOW
from tests.web.conftest import csrf_of, login
from web import outbox
from web.app import create_app


class FakeWorker:
    def __init__(self) -> None:
        self.woken = 0

    def wake(self) -> None:
        self.woken += 1


@pytest.fixture
async def client(aiohttp_client, context):  # type: ignore[no-untyped-def]
    context.extras[outbox.WORKER] = FakeWorker()
    return await aiohttp_client(create_app(context, extra_routes=[outbox.routes]))


@pytest.fixture
async def letters(demo) -> dict[str, list[Outbox]]:  # type: ignore[no-untyped-def]
    """Every station and family notification made a dead letter, by station code."""
    async with demo.sessions() as session, session.begin():
        await session.execute(update(Outbox).where(Outbox.recipient_type.in_(["station", "family"]))
                              .values(dead=True, attempts=8, last_error="webhook: 对方返回 HTTP 500"))
    async with demo.sessions() as session:
        codes = dict((await session.execute(select(Station.id, Station.code))).all())
        rows = (await session.execute(select(Outbox).where(Outbox.dead.is_(True)))).scalars().all()
    by_station: dict[str, list[Outbox]] = {}
    for row in rows:
        by_station.setdefault(codes[row.payload["station_id"]], []).append(row)
    assert "hz-xinhua" in by_station and len(by_station) > 1
    return by_station


async def dead_ids(demo) -> set[int]:  # type: ignore[no-untyped-def]
    async with demo.sessions() as session:
        return set((await session.execute(select(Outbox.id).where(Outbox.dead.is_(True)))).scalars().all())


def others(letters: dict[str, list[Outbox]]) -> list[Outbox]:
    return [row for code, rows in letters.items() if code != "hz-xinhua" for row in rows]


async def test_the_page_needs_a_login(client) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/staff/outbox", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/staff/login"
    assert (await client.get("/api/outbox/dead")).status == 401


async def test_staff_see_their_station_s_dead_letters_and_send_one_again(client, context, demo, letters) -> None:  # type: ignore[no-untyped-def]
    await login(client)
    page = await client.get("/staff/outbox")
    html = await page.text()
    assert page.status == 200 and "发送失败的通知" in html and "海州区新华社区居家养老服务站" in html
    mine = letters["hz-xinhua"]
    assert html.count("重新发送</button>") == len(mine)
    assert all(f'id="letter-{row.id}"' in html for row in mine)
    assert not any(f'id="letter-{row.id}"' in html for row in others(letters))
    assert "对方返回 HTTP 500" in html and "8次" in html and "刘芳" in html and "服务站" in html

    csrf = await csrf_of(client)
    target = mine[0]
    done = await client.post(f"/staff/outbox/{target.id}/retry", data={"csrf": csrf}, allow_redirects=False)
    assert done.status == 303 and done.headers["Location"] == f"/staff/outbox?requeued={target.id}"
    after = await (await client.get(done.headers["Location"])).text()
    assert f"第{target.id}号通知已重新排队" in after and f'id="letter-{target.id}"' not in after
    async with demo.sessions() as session:
        row = await session.get(Outbox, target.id)
    assert row is not None and not row.dead and row.attempts == 0 and row.available_at == NOW
    assert context.extras[outbox.WORKER].woken == 1  # a worker in this process sends it right away


async def test_requeueing_needs_the_form_token_and_only_works_for_the_own_station(client, demo, letters) -> None:  # type: ignore[no-untyped-def]
    await login(client)
    before = await dead_ids(demo)
    forged = await client.post(f"/staff/outbox/{letters['hz-xinhua'][0].id}/retry", data={"csrf": "forged"})
    assert forged.status == 403
    csrf = await csrf_of(client)
    foreign = await client.post(f"/staff/outbox/{others(letters)[0].id}/retry", data={"csrf": csrf})
    assert foreign.status == 404 and "找不到这条发送失败的通知" in await foreign.text()
    assert (await client.post("/staff/outbox/abc/retry", data={"csrf": csrf})).status == 404
    assert await dead_ids(demo) == before


async def test_the_api_lists_and_requeues_by_token_or_session(client, demo, letters) -> None:  # type: ignore[no-untyped-def]
    other_code = next(code for code in letters if code != "hz-xinhua")
    async with demo.sessions() as session, session.begin():
        token = await people.issue_api_token(session, other_code, "测试系统", NOW)
    auth = {"Authorization": f"Bearer {token}"}
    listed = await (await client.get("/api/outbox/dead", headers=auth)).json()
    assert sorted(item["id"] for item in listed) == sorted(row.id for row in letters[other_code])
    assert {item["recipient_label"] for item in listed} <= {"服务站", "家属"} and listed[0]["attempts"] == 8
    mine = letters["hz-xinhua"][0]
    assert (await client.post(f"/api/outbox/{mine.id}/retry", headers=auth)).status == 404
    theirs = letters[other_code][0]
    answer = await client.post(f"/api/outbox/{theirs.id}/retry", headers=auth)
    assert answer.status == 200 and (await answer.json()) == {"id": theirs.id, "requeued": True}
    assert theirs.id not in await dead_ids(demo)

    await login(client)
    session_list = await (await client.get("/api/outbox/dead")).json()
    assert sorted(item["id"] for item in session_list) == sorted(row.id for row in letters["hz-xinhua"])
    no_csrf = await client.post(f"/api/outbox/{mine.id}/retry")
    assert no_csrf.status == 403 and mine.id in await dead_ids(demo)


async def test_an_admin_sees_every_station_or_one(client, letters) -> None:  # type: ignore[no-untyped-def]
    await login(client, "admin", "eldercare-admin")
    everything = await (await client.get("/staff/outbox")).text()
    assert "全部服务站" in everything
    assert everything.count("重新发送</button>") == sum(len(rows) for rows in letters.values())
    one = await (await client.get("/api/outbox/dead", params={"station": "hz-xinhua"})).json()
    assert sorted(item["id"] for item in one) == sorted(row.id for row in letters["hz-xinhua"])
