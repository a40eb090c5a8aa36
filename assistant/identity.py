"""Who is speaking: a caller's number or a Telegram account, looked up among elders and families."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from assistant.types import ANONYMOUS, ELDER, FAMILY, UserRef
from care import people


async def identify(
    session: AsyncSession, channel: str, *, phone: str | None = None, telegram_id: int | None = None,
    session_key: str | None = None,
) -> UserRef:
    """An elder or family member by phone or Telegram id; otherwise anonymous (questions only)."""
    if telegram_id is not None:
        member = await people.family_by_telegram(session, telegram_id)
        key = f"tg:{telegram_id}"
        if member is not None:
            return UserRef(FAMILY, member.id, member.name, key)
        return UserRef(ANONYMOUS, None, None, key)
    number = people.normalise_phone(phone or "")
    key = f"tel:{number}" if number else f"web:{session_key or 'anonymous'}"
    if number:
        elder = await people.elder_by_phone(session, number)
        if elder is not None:
            return UserRef(ELDER, elder.id, elder.name, key)
        member = await people.family_by_phone(session, number)
        if member is not None:
            return UserRef(FAMILY, member.id, member.name, key)
    return UserRef(ANONYMOUS, None, None, key)
