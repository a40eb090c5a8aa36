"""Hand-off tickets, complaints and emergency alerts: recorded, and announced through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from care.errors import NotFound
from care.models import Complaint, Elder, FamilyLink, Handoff, Order, Outbox, StationCommunity


@dataclass(frozen=True)
class Party:
    """Who raised it: the channel, the conversation key, and the elder and family member if known."""

    channel: str
    user_key: str
    elder_id: int | None = None
    family_id: int | None = None


async def home_station(session: AsyncSession, elder_id: int | None) -> int | None:
    """The station that serves the elder's community (for any service), if any."""
    if elder_id is None:
        return None
    elder = await session.get(Elder, elder_id)
    if elder is None:
        return None
    row = await session.execute(select(StationCommunity.station_id)
                                .where(StationCommunity.community_id == elder.community_id)
                                .order_by(StationCommunity.priority, StationCommunity.station_id).limit(1))
    return row.scalar()


async def _announce(session: AsyncSession, topic: str, recipients: list[tuple[str, int]], payload: dict,
                    now: datetime) -> None:
    if recipients:
        await session.execute(insert(Outbox), [
            {"topic": topic, "recipient_type": kind, "recipient_id": rid, "payload": payload, "created_at": now,
             "available_at": now, "attempts": 0, "dead": False} for kind, rid in recipients])


async def _elder_of(session: AsyncSession, party: Party) -> int | None:
    """The elder concerned: as given, or the only elder a family member is linked to (never a guess)."""
    if party.elder_id is not None or party.family_id is None:
        return party.elder_id
    rows = (await session.execute(select(FamilyLink.elder_id).where(FamilyLink.family_id == party.family_id,
                                                                    FamilyLink.verified.is_(True)))).all()
    return rows[0][0] if len(rows) == 1 else None


async def open_handoff(session: AsyncSession, party: Party, reason: str, summary: str, now: datetime) -> Handoff:
    elder_id = await _elder_of(session, party)
    station_id = await home_station(session, elder_id)
    ticket = Handoff(channel=party.channel, user_key=party.user_key, elder_id=elder_id,
                     family_id=party.family_id, station_id=station_id, reason=reason, summary=summary[:500],
                     status="open", created_at=now)
    session.add(ticket)
    await session.flush()
    if station_id is not None:
        await _announce(session, "handoff", [("station", station_id)],
                        {"handoff": ticket.id, "reason": reason, "summary": summary[:200], "station_id": station_id},
                        now)
    return ticket


async def open_handoffs(session: AsyncSession, station_id: int | None, *, unassigned: bool = False) -> list[Handoff]:
    """Open tickets of a station (and, for admins, those no station could be found for), emergencies
    first, then oldest first."""
    query = select(Handoff).where(Handoff.status == "open")
    if station_id is not None:
        mine = Handoff.station_id == station_id
        query = query.where(mine | Handoff.station_id.is_(None) if unassigned else mine)
    rows = (await session.execute(query.order_by(Handoff.created_at))).scalars().all()
    return sorted(rows, key=lambda t: t.reason != "emergency")


async def record_complaint(session: AsyncSession, party: Party, text: str, now: datetime) -> Complaint:
    """A complaint against the elder's most recent order (or their station); the station manager hears of it."""
    order = None
    elder_id = await _elder_of(session, party)
    if elder_id is not None:
        order = (await session.execute(select(Order).where(Order.elder_id == elder_id)
                                       .order_by(Order.date.desc(), Order.id.desc()).limit(1))).scalars().first()
    station_id = order.station_id if order else await home_station(session, elder_id)
    complaint = Complaint(elder_id=elder_id, family_id=party.family_id, order_id=order.id if order else None,
                          station_id=station_id, channel=party.channel, text=text[:2000], created_at=now,
                          status="open")
    session.add(complaint)
    await session.flush()
    if station_id is not None:
        await _announce(session, "complaint", [("station", station_id)],
                        {"complaint": complaint.id, "order": order.code if order else None, "text": text[:500],
                         "station_id": station_id, "elder_id": elder_id}, now)
    return complaint


async def raise_emergency(session: AsyncSession, party: Party, text: str, now: datetime) -> tuple[Handoff, set[str]]:
    """An emergency: a hand-off ticket at the top of the queue, and alerts to the family and the station.
    Returns the ticket and who was alerted (``family``, ``station``), so the caller is told the truth."""
    ticket = await open_handoff(session, party, "emergency", text, now)
    recipients: list[tuple[str, int]] = []
    if ticket.elder_id is not None:
        family = await linked_family_ids(session, ticket.elder_id)
        recipients = [("family", f) for f in family if f != party.family_id]
    if ticket.station_id is not None:
        recipients.append(("station", ticket.station_id))
    await _announce(session, "emergency", recipients,
                    {"handoff": ticket.id, "text": text[:300], "elder_id": ticket.elder_id,
                     "station_id": ticket.station_id}, now)
    return ticket, {kind for kind, _id in recipients}


async def linked_family_ids(session: AsyncSession, elder_id: int) -> list[int]:
    rows = await session.execute(select(FamilyLink.family_id).where(FamilyLink.elder_id == elder_id,
                                                                    FamilyLink.verified.is_(True)))
    return [r for (r,) in rows.all()]


async def close_handoff(session: AsyncSession, handoff_id: int, station_id: int | None, staff_id: int,
                        now: datetime) -> Handoff:
    """Mark a ticket handled; staff close only their own station's tickets (``station_id`` None: admin)."""
    ticket = await session.get(Handoff, handoff_id)
    if ticket is None or (station_id is not None and ticket.station_id != station_id):
        raise NotFound("找不到这个求助记录。", "hand-off ticket not found")
    if ticket.status == "open":
        ticket.status, ticket.closed_at, ticket.closed_by = "closed", now, staff_id
    return ticket
