"""Elders, family members, staff: lookup, registration, linking codes and staff passwords."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from care.errors import Invalid, NotFound
from care.models import ApiToken, Community, Elder, FamilyLink, FamilyMember, LinkCode, Staff, Station

RELATIONS = ("self", "mother", "father", "spouse", "grandmother", "grandfather", "child", "other")
ROLES = ("staff", "manager", "admin")
LINK_CODE_TTL = timedelta(days=3)
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-password")


def normalise_phone(phone: str) -> str:
    """Keep the digits: '+86 138-0000-0001' → '13800000001'."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def hash_password(password: str) -> str:
    return _hasher.hash(password)


async def authenticate_staff(session: AsyncSession, username: str, password: str) -> Staff | None:
    staff = (await session.execute(select(Staff).where(Staff.username == username.strip()))).scalars().first()
    try:
        # Verify against a dummy hash for unknown users so timing does not tell who exists.
        _hasher.verify(staff.password_hash if staff else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return staff if staff is not None and staff.active else None


async def elder_by_phone(session: AsyncSession, phone: str) -> Elder | None:
    phone = normalise_phone(phone)
    if not phone:
        return None
    query = select(Elder).where(or_(Elder.phone == phone, Elder.alt_phone == phone))
    return (await session.execute(query)).scalars().first()


async def family_by_phone(session: AsyncSession, phone: str) -> FamilyMember | None:
    phone = normalise_phone(phone)
    if not phone:
        return None
    return (await session.execute(select(FamilyMember).where(FamilyMember.phone == phone))).scalars().first()


async def family_by_telegram(session: AsyncSession, telegram_id: int) -> FamilyMember | None:
    query = select(FamilyMember).where(FamilyMember.telegram_id == telegram_id)
    return (await session.execute(query)).scalars().first()


async def linked_elders(session: AsyncSession, family_id: int) -> list[tuple[Elder, str]]:
    """The elders a family member may act for, with the relation (mother, father …)."""
    rows = await session.execute(
        select(FamilyLink).where(FamilyLink.family_id == family_id, FamilyLink.verified.is_(True))
        .order_by(FamilyLink.elder_id)
    )
    return [(link.elder, link.relation) for link in rows.scalars().all()]


def named_elder(linked: list[tuple[Elder, str]], relation: str | None) -> Elder | None:
    """The linked elder a relation names (我妈 → the mother), or with no relation said the only linked
    elder; None when that is ambiguous or names nobody linked (我爸 from someone linked to a mother)."""
    named = [e for e, rel in linked if rel == relation] if relation else [e for e, _rel in linked]
    return named[0] if len(named) == 1 else None


async def community_by_name(session: AsyncSession, name: str) -> Community:
    community = (await session.execute(select(Community).where(Community.name == name))).scalars().first()
    if community is None:
        raise NotFound(f"没有社区“{name}”。", f"unknown community {name!r}")
    return community


async def station_by_code(session: AsyncSession, code: str) -> Station:
    station = (await session.execute(select(Station).where(Station.code == code))).scalars().first()
    if station is None:
        raise NotFound(f"没有服务站“{code}”。", f"unknown station {code!r}")
    return station


async def add_elder(
    session: AsyncSession, *, name: str, phone: str, address: str, community: str,
    birth_date: date | None = None, **facts: object,
) -> Elder:
    elder = Elder(name=name, phone=normalise_phone(phone), address=address,
                  community_id=(await community_by_name(session, community)).id, birth_date=birth_date, **facts)
    session.add(elder)
    await session.flush()
    return elder


async def add_family(session: AsyncSession, *, name: str, phone: str, telegram_id: int | None = None) -> FamilyMember:
    member = FamilyMember(name=name, phone=normalise_phone(phone), telegram_id=telegram_id)
    session.add(member)
    await session.flush()
    return member


async def link_family(session: AsyncSession, family_id: int, elder_id: int, relation: str, verified: bool) -> None:
    if relation not in RELATIONS:
        raise Invalid("关系填写不正确。", f"relation must be one of {', '.join(RELATIONS)}")
    link = await session.get(FamilyLink, (family_id, elder_id))
    if link is None:
        session.add(FamilyLink(family_id=family_id, elder_id=elder_id, relation=relation, verified=verified))
    else:
        link.relation, link.verified = relation, link.verified or verified
    await session.flush()


async def add_staff(
    session: AsyncSession, *, username: str, name: str, password: str, role: str = "staff",
    station_code: str | None = None,
) -> Staff:
    if role not in ROLES:
        raise Invalid("角色不正确。", f"role must be one of {', '.join(ROLES)}")
    if role != "admin" and not station_code:
        raise Invalid("工作人员必须属于一个服务站。", "staff and managers need a station")
    if len(password) < 8:
        raise Invalid("密码至少8位。", "password must have at least 8 characters")
    station_id = (await station_by_code(session, station_code)).id if station_code else None
    staff = Staff(username=username, name=name, role=role, station_id=station_id,
                  password_hash=hash_password(password))
    session.add(staff)
    await session.flush()
    return staff


async def issue_link_code(
    session: AsyncSession, elder_id: int, relation: str, now: datetime, issued_by: int | None = None
) -> str:
    """A one-time eight-digit code a family member enters (Telegram /start, web) to link to the elder."""
    if await session.get(Elder, elder_id) is None:
        raise NotFound("找不到这位老人。", "elder not found")
    if relation not in RELATIONS:
        raise Invalid("关系填写不正确。", f"relation must be one of {', '.join(RELATIONS)}")
    code = f"{secrets.randbelow(10**8):08d}"
    session.add(LinkCode(code=code, elder_id=elder_id, relation=relation, issued_by=issued_by,
                         expires_at=now + LINK_CODE_TTL))
    await session.flush()
    return code


async def redeem_link_code(session: AsyncSession, code: str, family_id: int, now: datetime) -> Elder:
    """Link the family member to the code's elder, once; an unknown, used or expired code is refused."""
    link_code = await session.get(LinkCode, code.strip())
    expired = link_code is not None and link_code.expires_at <= now
    if link_code is None or link_code.used_at is not None or expired:
        raise Invalid("绑定码不对或已经失效，请向服务站重新要一个。", "invalid, used or expired link code")
    link_code.used_at, link_code.used_by = now, family_id
    await link_family(session, family_id, link_code.elder_id, link_code.relation, verified=True)
    elder = await session.get(Elder, link_code.elder_id)
    assert elder is not None
    return elder


async def link_with_code(
    session: AsyncSession, code: str, now: datetime, *, family_id: int | None, name: str,
    telegram_id: int | None = None, phone: str | None = None,
) -> tuple[Elder, str, int]:
    """Redeem a code for a known family member, or for someone new who is registered first (in the
    caller's transaction, so a refused code leaves nothing behind). Returns elder, relation, family id."""
    if family_id is None:
        member = FamilyMember(name=name[:40] or "家属", phone=phone, telegram_id=telegram_id)
        session.add(member)
        await session.flush()
        family_id = member.id
    elder = await redeem_link_code(session, code, family_id, now)
    link = await session.get(FamilyLink, (family_id, elder.id))
    return elder, link.relation if link else "other", family_id


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_api_token(session: AsyncSession, station_code: str, name: str, now: datetime) -> str:
    station = await station_by_code(session, station_code)
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=token_digest(token), station_id=station.id, name=name, created_at=now))
    await session.flush()
    return token


async def station_for_token(session: AsyncSession, token: str) -> int | None:
    row = await session.execute(select(ApiToken.station_id).where(ApiToken.token_hash == token_digest(token)))
    return row.scalar()

