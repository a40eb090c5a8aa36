"""Turn latency through ``POST /api/chat``: 50 concurrent family conversations against a real server.

The server runs as its own process (``eldercare serve``) on SQLite and on PostgreSQL; each client
links to its own elder with a code, books a lunch, checks its orders and asks a policy question,
pausing ``THINK_SECONDS`` between turns as a person would (people read the reply before answering;
without a pause, 50 clients would measure a queue, not a conversation).
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import aiohttp
from sqlalchemy import text

from care import people
from care.catalog import TZ
from care.db import make_engine, session_factory
from eldercare.database import ensure_ready

CLIENTS = 50
THINK_SECONDS = 1.0
PG_ADMIN = os.environ.get("ELDERCARE_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
PG_BENCH = PG_ADMIN.rsplit("/", 1)[0] + "/eldercare_bench"
SCRIPT = ("{day}{meal}送一份饭", "对", "我订了什么", "政府购买居家养老服务每月多少钱", "谢谢")
EXPECTED = ("对吗", "订好了", "个订单", "依据", "不客气")  # a turn that does not say this is an error
DAYS = ("明天", "后天", "大后天")  # each conversation books three days, so 800 turns are measured


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _recreate_pg_database() -> None:
    engine = make_engine(PG_ADMIN, pool_size=1).execution_options(isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text("DROP DATABASE IF EXISTS eldercare_bench WITH (FORCE)"))
        await conn.execute(text("CREATE DATABASE eldercare_bench"))
    await engine.dispose()


async def _link_codes(url: str) -> list[str]:
    engine = make_engine(url)
    sessions = session_factory(engine)
    now = datetime.now(TZ)
    codes = []
    async with sessions() as session, session.begin():
        for i in range(CLIENTS):
            elder = await people.add_elder(session, name=f"压测老人{i}", phone=f"1510000{i:04d}",
                                           address=f"新华路{i}号", community="新华社区", economic="none")
            codes.append(await people.issue_link_code(session, elder.id, "mother", now))
    await engine.dispose()
    return codes


async def _conversation(base: str, index: int, code: str, latencies: list[tuple[float, str]],
                        errors: list[str]) -> None:
    await asyncio.sleep(THINK_SECONDS * index / CLIENTS)  # people do not all start in the same millisecond
    # unsafe=True: keep the session cookie of a server addressed by IP, as a browser does.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        meal = ("中午", "晚上")[index % 2]  # the demo station cooks 40 lunches and 30 dinners a day
        turns = [(f"绑定 {code}", "绑定好了", "绑定")] + [
            (t.format(day=day, meal=meal), e, t.format(day="", meal="")) for day in DAYS
            for t, e in zip(SCRIPT, EXPECTED, strict=True)]
        for message, expected, kind in turns:
            await asyncio.sleep(THINK_SECONDS)
            started = time.perf_counter()
            async with client.post(f"{base}/api/chat", json={"message": message}) as response:
                body = await response.json()
            latencies.append((time.perf_counter() - started, kind))
            said = "".join(r["text"] for r in body.get("replies", []))
            if response.status != 200 or expected not in said:
                errors.append(f"{response.status} {message} → {said[:40]}")


async def _wait_ready(base: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as client:
        while time.monotonic() < deadline:
            try:
                async with client.get(f"{base}/healthz") as response:
                    if response.status == 200 and (await response.json()).get("models") == "ready":
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError("server did not start")


async def _run(label: str, url: str, data_dir: Path) -> dict[str, object]:
    ensure_ready_in_thread = asyncio.to_thread(ensure_ready, url)
    await ensure_ready_in_thread
    codes = await _link_codes(url)
    port = _free_port()
    env = {**os.environ, "ELDERCARE_DATA_DIR": str(data_dir), "ELDERCARE_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([sys.executable, "-m", "eldercare.cli", "serve", "--db", url, "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_ready(base)
        # Warm the models (NLU, knowledge base) before measuring.
        async with aiohttp.ClientSession() as client:
            await client.post(f"{base}/api/chat", json={"message": "高龄津贴怎么领"})
        latencies: list[tuple[float, str]] = []
        errors: list[str] = []
        started = time.perf_counter()
        await asyncio.gather(*(_conversation(base, i, code, latencies, errors) for i, code in enumerate(codes)))
        wall = time.perf_counter() - started
        for error in errors[:3]:
            print(f"  {label} error: {error}")
    finally:
        server.terminate()
        server.wait(timeout=20)
    return {"db": label, "turns": len(latencies), "errors": len(errors), "per_s": len(latencies) / wall,
            **_percentiles([seconds for seconds, _ in latencies]),
            "by_kind": {kind: _percentiles([s for s, k in latencies if k == kind])
                        for kind in dict.fromkeys(k for _, k in latencies)}}


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {"p50": statistics.median(ordered) * 1000, "p99": ordered[max(int(len(ordered) * 0.99) - 1, 0)] * 1000,
            "max": ordered[-1] * 1000}


async def _main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(await _run("SQLite", f"sqlite+aiosqlite:///{tmp}/chat.db", Path(tmp)))
        try:
            await _recreate_pg_database()
        except OSError as exc:
            print(f"PostgreSQL not reachable ({exc}); skipped")
        else:
            rows.append(await _run("PostgreSQL", PG_BENCH, Path(tmp)))
    print("| database | conversations | turns | errors | turns/s | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['db']} | {CLIENTS} | {r['turns']} | {r['errors']} | {r['per_s']:.0f} | {r['p50']:.1f} | "
              f"{r['p99']:.1f} |")
    print("\nBy turn (p50 / p99 / max ms):")
    for r in rows:
        print(f"- {r['db']}: " + "; ".join(f"{kind} {v['p50']:.0f}/{v['p99']:.0f}/{v['max']:.0f}"
                                         for kind, v in r["by_kind"].items()))
    print(f"\n{CLIENTS} concurrent conversations, {THINK_SECONDS:g} s between a reply and the next turn. "
          "Target: p50 ≤ 20 ms and p99 ≤ 100 ms per turn.")


def main() -> None:
    asyncio.run(_main())


if __name__ == "__main__":
    main()
