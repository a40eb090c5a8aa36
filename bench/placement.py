"""Order placement throughput and latency at 1, 10 and 50 concurrent clients, on SQLite and PostgreSQL.

Every level places real orders through ``care.orders.place_order`` into slots whose capacity is
smaller than the demand, then checks that no slot was oversold.
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select, text, update

from care.access import ELDER, Actor
from care.catalog import TZ
from care.db import make_engine, session_factory
from care.demo import load_demo
from care.errors import Full
from care.models import Base, Community, Elder, Order, Slot
from care.orders import OrderRequest, place_order

NOW = datetime(2026, 11, 26, 7, 0, tzinfo=TZ)
PG_URL = os.environ.get("ELDERCARE_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
LEVELS = (1, 10, 50)
PER_LEVEL = 1200
CAPACITY = 160  # per slot: demand (200 a slot) exceeds it, so "full" answers and the oversell check are exercised


async def _prepare(sessions, elders: int) -> list[int]:  # type: ignore[no-untyped-def]
    await load_demo(sessions, NOW, _demo_without_orders())
    async with sessions() as session, session.begin():
        community = (await session.execute(select(Community).where(Community.name == "新华社区"))).scalar_one()
        await session.execute(insert(Elder), [
            {"name": f"压测{i}", "phone": f"1500000{i:04d}", "address": f"新华路{i}号", "community_id": community.id,
             "economic": "none"} for i in range(elders)])
        await session.execute(update(Slot).values(capacity=CAPACITY))
        ids = (await session.execute(select(Elder.id).where(Elder.name.like("压测%")))).scalars().all()
    return list(ids)


def _demo_without_orders() -> dict:
    from care.demo import demo_data

    data = demo_data()
    data["orders"] = []
    return data


async def _level(sessions, elder_ids: list[int], clients: int, level_index: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    # Each level books its own days so levels do not share slots; two windows a day.
    day = date(2026, 11, 27) + timedelta(days=level_index * 3)
    # Every (elder, day, window) once: 200 elders × 3 days × 2 windows = 1 200 distinct requests.
    jobs = [(elder_ids[i % len(elder_ids)], day + timedelta(days=(i // len(elder_ids)) // 2),
             ("lunch", "dinner")[(i // len(elder_ids)) % 2]) for i in range(PER_LEVEL)]
    # Warm up every pooled connection (statements are prepared per connection) on a day not measured.
    warm = date(2026, 11, 27) + timedelta(days=12 + level_index % 2)
    await _run_jobs(sessions, [(elder_ids[i], warm, "lunch") for i in range(clients * 2)], clients)
    return await _run_jobs(sessions, jobs, clients)


async def _run_jobs(sessions, jobs: list, clients: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    queue: asyncio.Queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    latencies: list[float] = []
    outcome = {"placed": 0, "full": 0, "other": 0}

    async def client() -> None:
        while not queue.empty():
            elder_id, when, window = queue.get_nowait()
            req = OrderRequest(elder_id=elder_id, kind="meal", date=when, window=window)
            started = time.perf_counter()
            try:
                await place_order(sessions, req, Actor(ELDER, elder_id), NOW)
                outcome["placed"] += 1
            except Full:
                outcome["full"] += 1
            except Exception:
                outcome["other"] += 1
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    wall = time.perf_counter() - started
    latencies.sort()
    return {"clients": clients, "attempts": len(latencies), "placed": outcome["placed"], "full": outcome["full"],
            "errors": outcome["other"], "per_s": len(latencies) / wall,
            "p50": statistics.median(latencies) * 1000, "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000}


async def _oversold(sessions) -> int:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        over = (await session.execute(select(func.count(Slot.id)).where(Slot.taken > Slot.capacity))).scalar()
        booked = dict((await session.execute(
            select(Order.slot_id, func.sum(Order.quantity)).group_by(Order.slot_id))).all())
        slots = (await session.execute(select(Slot.id, Slot.taken))).all()
    mismatched = sum(1 for sid, taken in slots if booked.get(sid, 0) != taken)
    return int(over or 0) + mismatched


async def _run(label: str, url: str, schema: str | None) -> list[dict]:
    engine = make_engine(url, schema=schema, pool_size=60)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    sessions = session_factory(engine)
    elder_ids = await _prepare(sessions, 200)
    gc.collect()
    gc.freeze()  # as a serving process does after loading its models (nlu.load)
    rows = []
    for index, clients in enumerate(LEVELS):
        row = await _level(sessions, elder_ids, clients, index)
        row["oversold"] = await _oversold(sessions)
        row["db"] = label
        rows.append(row)
    await engine.dispose()
    return rows


async def _main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += await _run("SQLite", f"sqlite+aiosqlite:///{tmp}/bench.db", None)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL, pool_size=1)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        rows += await _run("PostgreSQL", PG_URL, schema)
    except OSError as exc:
        print(f"PostgreSQL not reachable ({exc}); skipped")
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await admin.dispose()
    print("| database | clients | attempts | placed | full | errors | placements/s | p50 ms | p99 ms | oversold |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['db']} | {r['clients']} | {r['attempts']} | {r['placed']} | {r['full']} | {r['errors']} | "
              f"{r['per_s']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['oversold']} |")
    print("\nTarget: PostgreSQL at 10 clients ≥ 300 placements/s with p99 < 100 ms; oversold 0 everywhere.")


def main() -> None:
    from argon2 import PasswordHasher

    from care import people

    people._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # demo logins only
    asyncio.run(_main())


if __name__ == "__main__":
    main()
