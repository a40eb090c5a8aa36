"""Loading the catalog and the demo data (YAML in ``care/data``) into an empty database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from care import people
from care.access import SYSTEM, Actor
from care.catalog import HORIZON_DAYS, Catalog, default_catalog, local_today
from care.db import SessionFactory
from care.models import (
    CapacityTemplate,
    Community,
    Region,
    Service,
    Station,
    StationCommunity,
    StationService,
)
from care.orders import OrderRequest, ensure_slots, place_order


def demo_data() -> dict[str, Any]:
    return yaml.safe_load(resources.files("care.data").joinpath("demo.yml").read_text(encoding="utf-8"))


async def is_empty(session: AsyncSession) -> bool:
    return not (await session.execute(select(func.count(Station.id)))).scalar()


async def load_catalog(session: AsyncSession, catalog: Catalog) -> None:
    """Insert or update the catalog's services."""
    for item in catalog.services.values():
        row = await session.get(Service, item.code) or Service(code=item.code)
        row.kind, row.visit_kind, row.name, row.unit = item.kind, item.visit_kind, item.name, item.unit
        row.unit_price_fen, row.prices_fen, row.max_quantity = item.unit_price_fen, item.prices_fen, item.max_quantity
        session.add(row)
    await session.flush()


async def _regions(session: AsyncSession, data: dict[str, Any]) -> dict[str, Region]:
    regions: dict[str, Region] = {}
    for r in data["regions"]:
        region = Region(name=r["name"], parent_id=regions[r["parent"]].id if r.get("parent") else None)
        session.add(region)
        await session.flush()
        regions[region.name] = region
    return regions


async def _stations(
    session: AsyncSession, data: dict[str, Any], regions: dict[str, Region], catalog: Catalog
) -> list[Station]:
    communities: dict[str, Community] = {}
    for c in data["communities"]:
        community = Community(name=c["name"], region_id=regions[c["region"]].id)
        session.add(community)
        communities[c["name"]] = community
    await session.flush()
    stations = []
    for s in data["stations"]:
        station = Station(code=s["code"], name=s["name"], region_id=regions[s["region"]].id, address=s["address"],
                          phone=s["phone"], active=True)
        session.add(station)
        await session.flush()
        stations.append(station)
        session.add_all(StationService(station_id=station.id, service_code=code) for code in s["services"])
        kinds = {catalog.services[code].kind for code in s["services"]}
        session.add_all(
            StationCommunity(station_id=station.id, community_id=communities[name].id, kind=kind, priority=0)
            for name in s["serves"] for kind in sorted(kinds)
        )
        session.add_all(
            CapacityTemplate(station_id=station.id, kind=kind, weekday=weekday, window=window, capacity=capacity)
            for kind, windows in s["capacity"].items()
            for window, capacity in windows.items()
            for weekday in s.get("weekdays", range(7))
        )
    await session.flush()
    return stations


async def _people(session: AsyncSession, data: dict[str, Any]) -> None:
    elders = {}
    for e in data["elders"]:
        facts = {k: e.get(k) for k in ("living", "economic", "disability", "urban", "special_family",
                                        "priority_care", "diet")}
        birth = e.get("birth_date")
        elders[e["phone"]] = await people.add_elder(
            session, name=e["name"], phone=e["phone"], address=e["address"], community=e["community"],
            birth_date=birth if isinstance(birth, date) else None, **facts)
    for f in data["family"]:
        member = await people.add_family(session, name=f["name"], phone=f["phone"])
        for link in f["links"]:
            await people.link_family(session, member.id, elders[link["elder"]].id, link["relation"], verified=True)
    for s in data["staff"]:
        await people.add_staff(session, username=s["username"], name=s["name"], password=s["password"],
                               role=s["role"], station_code=s.get("station"))


async def load_demo(sessions: SessionFactory, now: datetime, data: dict[str, Any] | None = None) -> dict[str, int]:
    """Load the demo into an empty database and place its sample orders; returns counts."""
    data = data or demo_data()
    catalog = default_catalog()
    async with sessions() as session, session.begin():
        await load_catalog(session, catalog)
        regions = await _regions(session, data)
        stations = await _stations(session, data, regions, catalog)
        await _people(session, data)
        for station in stations:
            await ensure_slots(session, station.id, local_today(now), HORIZON_DAYS)
    system = Actor(SYSTEM)
    placed = 0
    for o in data.get("orders", []):
        async with sessions() as session:
            elder = await people.elder_by_phone(session, o["elder"])
        assert elder is not None
        req = OrderRequest(elder_id=elder.id, kind=o["kind"], visit_kind=o.get("visit_kind"),
                           date=local_today(now) + timedelta(days=o["days_ahead"]), window=o["window"],
                           quantity=o.get("quantity", 1), channel="phone",
                           idempotency_key=f"demo-{placed}")
        await place_order(sessions, req, system, now, catalog)
        placed += 1
    return {"stations": len(stations), "elders": len(data["elders"]), "family": len(data["family"]),
            "staff": len(data["staff"]), "orders": placed}


async def refresh_slots(sessions: SessionFactory, now: datetime) -> int:
    """Generate the coming days' slots for every active station (run at start-up and daily)."""
    async with sessions() as session, session.begin():
        ids = (await session.execute(select(Station.id).where(Station.active.is_(True)))).scalars().all()
        return sum([await ensure_slots(session, sid, local_today(now), HORIZON_DAYS) for sid in ids])
