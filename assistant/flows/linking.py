"""Linking a family member to an elder with the one-time code a station gave them (绑定 12345678)."""

from __future__ import annotations

import re

from assistant import phrases as P
from assistant.context import TurnContext
from assistant.types import FAMILY
from care import people
from care.errors import CareError
from care.models import FamilyMember

LINK = re.compile(r"^\s*(?:绑定|绑定码|/start)\s*[:：]?\s*(\d{8})\s*$")


def code_in(text: str) -> str | None:
    match = LINK.match(text)
    return match.group(1) if match else None


async def link(ctx: TurnContext, code: str) -> None:
    """Redeem the code; someone not yet known becomes a family member of this channel."""
    user = ctx.turn.user
    try:
        async with ctx.deps.sessions() as session, session.begin():
            family_id = user.id if user.kind == FAMILY else None
            if family_id is None:
                telegram_id = int(user.key[3:]) if user.key.startswith("tg:") else None
                phone = user.key[4:] if user.key.startswith("tel:") else None
                member = FamilyMember(name=user.name or "家属", phone=phone, telegram_id=telegram_id)
                session.add(member)
                await session.flush()
                family_id = member.id
            elder = await people.redeem_link_code(session, code, family_id, ctx.now)
    except CareError as error:
        ctx.say(error.message_zh)
        return
    ctx.say(P.LINKED.format(elder=elder.name) + P.ANYTHING_ELSE)
    ctx.replies[-1].extras["family_id"] = family_id  # the channel remembers who this is from now on
