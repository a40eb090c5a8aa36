"""Who is writing: a Telegram account mapped to a family member and/or a station's staff member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiogram.types import User
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from assistant.identity import identify as identify_speaker
from assistant.types import FAMILY, UserRef
from care import people
from care.access import STAFF, Actor
from care.db import SessionFactory
from care.errors import Invalid, NotFound
from care.models import Elder, Staff, Station


@dataclass(frozen=True)
class StaffRef:
    id: int
    name: str
    station_id: int | None
    station_name: str | None
    role: str

    @property
    def actor(self) -> Actor:
        return Actor(STAFF, self.id, station_id=self.station_id, role=self.role)

    def may_work(self, station_id: int) -> bool:
        return self.actor.may_work_station(station_id)


@dataclass(frozen=True)
class Person:
    """A Telegram user as care knows them (looked up once per update by ``Identify``)."""

    telegram_id: int
    user: UserRef
    """What the assistant is told about the speaker (``assistant.identify``: family member or anonymous)."""
    staff: StaffRef | None = None

    @property
    def family_id(self) -> int | None:
        return self.user.id if self.user.kind == FAMILY else None

    @property
    def family_name(self) -> str | None:
        return self.user.name if self.user.kind == FAMILY else None


async def identify(sessions: SessionFactory, user: User) -> Person:
    async with sessions.reading() as session:
        speaker = await identify_speaker(session, "telegram", telegram_id=user.id)
        row = (await session.execute(
            select(Staff, Station.name).outerjoin(Station, Station.id == Staff.station_id)
            .where(Staff.telegram_id == user.id, Staff.active.is_(True))
        )).first()
    staff = None
    if row is not None:
        member, station_name = row
        staff = StaffRef(member.id, member.name, member.station_id, station_name, member.role)
    return Person(user.id, speaker, staff)


async def linked_elder_names(sessions: SessionFactory, family_id: int) -> list[str]:
    async with sessions.reading() as session:
        return [elder.name for elder, _ in await people.linked_elders(session, family_id)]


async def link_by_code(sessions: SessionFactory, user: User, code: str, now: datetime) -> tuple[Elder, str]:
    """Redeem a staff-issued linking code for this Telegram account, registering it as a family member
    on first use (name from Telegram, no phone). One transaction: a refused code leaves nothing behind.
    Raises ``care.errors.Invalid`` for an unknown, used or expired code."""
    for attempt in range(2):
        try:
            async with sessions() as session, session.begin():
                member = await people.family_by_telegram(session, user.id)
                elder, relation, _family = await people.link_with_code(
                    session, code, now, family_id=member.id if member else None,
                    name=user.full_name or str(user.id), telegram_id=user.id)
                return elder, relation
        except IntegrityError:
            # Another process registered the same Telegram account a moment ago: use that row.
            if attempt:
                raise
    raise AssertionError("unreachable")


async def link_staff(sessions: SessionFactory, username: str, telegram_id: int | None) -> Staff:
    """Give a staff account its Telegram chat (None unlinks); a Telegram id belongs to one account only."""
    async with sessions() as session, session.begin():
        staff = (await session.execute(select(Staff).where(Staff.username == username.strip()))).scalars().first()
        if staff is None:
            raise NotFound(f"没有工作人员账号“{username}”。", f"no staff account {username!r}")
        if telegram_id is not None:
            holder = (await session.execute(
                select(Staff.username).where(Staff.telegram_id == telegram_id, Staff.id != staff.id))).scalar()
            if holder is not None:
                raise Invalid(f"这个 Telegram 账号已经绑定了工作人员“{holder}”，请先解除。",
                              f"telegram id already linked to {holder!r}")
        staff.telegram_id = telegram_id
        return staff
