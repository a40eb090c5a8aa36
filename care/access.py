"""Who acts, and for whom they may act: elders for themselves, family for linked elders, staff for
their station. Staff of one station are told another station's order does not exist."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from care.errors import Forbidden, NotFound
from care.models import FamilyLink

ELDER, FAMILY, STAFF, API, SYSTEM = "elder", "family", "staff", "api", "system"


@dataclass(frozen=True)
class Actor:
    kind: str
    id: int | None = None
    station_id: int | None = None
    role: str | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.id}" if self.id is not None else self.kind

    @property
    def is_admin(self) -> bool:
        return self.kind in (STAFF, SYSTEM) and (self.role == "admin" or self.kind == SYSTEM)

    def may_work_station(self, station_id: int) -> bool:
        """Staff and API tokens work their own station's queue; admins every station."""
        if self.is_admin:
            return True
        return self.kind in (STAFF, API) and self.station_id == station_id


async def linked_elder_ids(session: AsyncSession, family_id: int) -> list[int]:
    rows = await session.execute(
        select(FamilyLink.elder_id).where(FamilyLink.family_id == family_id, FamilyLink.verified.is_(True))
    )
    return [r for (r,) in rows.all()]


async def ensure_may_act_for_elder(
    session: AsyncSession, actor: Actor, elder_id: int, station_id: int | None = None
) -> None:
    linked = actor.kind == FAMILY and actor.id is not None and elder_id in await linked_elder_ids(session, actor.id)
    judge_act_for_elder(actor, elder_id, station_id, family_linked=linked)


def judge_act_for_elder(actor: Actor, elder_id: int, station_id: int | None, *, family_linked: bool) -> None:
    """Raise unless ``actor`` may act for the elder (``family_linked``: a verified link to this actor)."""
    if actor.kind == ELDER and actor.id == elder_id:
        return
    if actor.kind == FAMILY and family_linked:
        return
    if station_id is not None and actor.may_work_station(station_id):
        return
    if actor.is_admin:
        return
    if actor.kind in (STAFF, API):
        # Another station's elder is, to this station, an elder it does not know.
        raise NotFound("找不到这位老人。", "elder not found")
    raise Forbidden("您还没有和这位老人绑定，不能替他办理。", "not allowed to act for this elder")


async def recipients_for_order(session: AsyncSession, station_id: int, elder_id: int) -> list[tuple[str, int]]:
    """Who hears about an order's events: its station, the elder, and every verified family member."""
    rows = await session.execute(
        select(FamilyLink.family_id).where(FamilyLink.elder_id == elder_id, FamilyLink.verified.is_(True))
    )
    return [("station", station_id), ("elder", elder_id), *(("family", f) for (f,) in rows.all())]

