"""The JSON API: token auth per station, validation in Chinese and English, idempotent placement."""

from __future__ import annotations

from care import people
from tests.conftest import NOW


async def token_for(demo, station: str) -> str:  # type: ignore[no-untyped-def]
    async with demo.sessions() as session, session.begin():
        return await people.issue_api_token(session, station, "测试系统", NOW)


async def test_the_api_needs_a_token_or_a_session(client) -> None:
    response = await client.get("/api/orders")
    assert response.status == 401
    body = await response.json()
    assert body["message"] == "请先登录或提供有效的令牌。" and body["message_en"]
    assert (await client.get("/api/orders", headers={"Authorization": "Bearer nonsense"})).status == 401


async def test_a_provider_places_an_order_once_whatever_the_retries(client, demo) -> None:
    token = await token_for(demo, "hz-xinhua")
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "req-1"}
    body = {"elder_phone": "13800000007", "kind": "meal", "date": "2026-11-28", "window": "lunch", "quantity": 2}
    # 13800000007 is served by 幸福路, not by this token's station: to this station, an unknown elder.
    elsewhere = await client.post("/api/orders", json=body, headers=headers)
    unknown = await client.post("/api/orders", json={**body, "elder_phone": "13899999999"}, headers=headers)
    assert elsewhere.status == unknown.status == 404
    assert (await elsewhere.json())["message"] == (await unknown.json())["message"]
    body["elder_phone"] = "13800000004"
    first = await client.post("/api/orders", json=body, headers=headers)
    again = await client.post("/api/orders", json=body, headers=headers)
    assert (first.status, again.status) == (201, 200)
    assert (await first.json())["id"] == (await again.json())["id"]
    created = await first.json()
    assert created["station"] == "海州区新华社区居家养老服务站" and created["quantity"] == 2
    assert created["price"] == {"unit": "15元", "subsidy": "30元", "due": "0元"}  # 特困: free


async def test_a_provider_works_its_queue(client, demo) -> None:
    token = await token_for(demo, "hz-xinhua")
    auth = {"Authorization": f"Bearer {token}"}
    orders = await (await client.get("/api/orders", headers=auth)).json()
    assert orders and {o["station_code"] for o in orders} == {"hz-xinhua"}
    code = orders[0]["id"]
    accepted = await client.post(f"/api/orders/{code}/accept", headers=auth)
    assert (await accepted.json())["status"] == "accepted"
    illegal = await client.post(f"/api/orders/{code}/complete", headers=auth)
    assert illegal.status == 409 and (await illegal.json())["error"] == "illegal_transition"
    other = await token_for(demo, "qd-huilong")
    assert (await client.get(f"/api/orders/{code}", headers={"Authorization": f"Bearer {other}"})).status == 404


async def test_bad_bodies_get_clear_answers(client, demo) -> None:
    auth = {"Authorization": f"Bearer {await token_for(demo, 'hz-xinhua')}"}
    malformed = await client.post("/api/orders", data="{not json", headers=auth)
    assert malformed.status == 422 and (await malformed.json())["message"] == "内容不是有效的 JSON。"
    wrong = await client.post("/api/orders", json={"elder_phone": "13800000004", "kind": "taxi",
                                                   "date": "soon", "window": "lunch"}, headers=auth)
    body = await wrong.json()
    assert wrong.status == 422 and {f["field"] for f in body["fields"]} == {"kind", "date"}
    huge = await client.post("/api/orders", data="x" * 100_000, headers=auth)
    assert huge.status == 413 and "太大" in (await huge.json())["message"]
    assert (await client.get("/api/orders/999999", headers=auth)).status == 404
    assert (await client.post("/api/orders/abc/fly", headers=auth)).status == 404


async def test_health_and_metrics(client) -> None:
    health = await client.get("/healthz")
    assert health.status == 200 and (await health.json())["database"] == "ok"
    text = await (await client.get("/metrics")).text()
    assert 'eldercare_orders{status="pending"} 6.0' in text
    assert "eldercare_http_requests_total" in text
