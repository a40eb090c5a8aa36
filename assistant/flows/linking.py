"""Linking a family member to an elder with the one-time code a station gave them (绑定 12345678)."""

from __future__ import annotations

import re
from datetime import timedelta

from assistant import phrases as P
from assistant.context import TurnContext
from assistant.types import FAMILY
from care import people
from care.errors import CareError

LINK = re.compile(r"^\s*(?:绑定|绑定码|/start)\s*[:：]?\s*(\d{4})[\s-]?(\d{4})\s*$")
MAX_FAILURES, FAILURE_WINDOW = 5, timedelta(hours=1)


def code_in(text: str) -> str | None:
    """绑定 12345678, 绑定码：1234-5678, /start 1234 5678 → '12345678'."""
    match = LINK.match(text)
    return match.group(1) + match.group(2) if match else None


async def link(ctx: TurnContext, code: str) -> None:
    """Redeem the code; someone not yet known becomes a family member of this channel. Wrong codes
    are counted: after five in an hour the channel stops trying (codes are eight digits)."""
    user = ctx.turn.user
    since = (ctx.now - FAILURE_WINDOW).isoformat()
    failures = [t for t in ctx.state.get("link_failures", []) if t > since]
    if len(failures) >= MAX_FAILURES:
        ctx.say(P.LINK_TOO_MANY)
        return
    try:
        async with ctx.deps.sessions() as session, session.begin():
            elder, _relation, family_id = await people.link_with_code(
                session, code, ctx.now, family_id=user.id if user.kind == FAMILY else None, name=user.name or "家属",
                telegram_id=int(user.key[3:]) if user.key.startswith("tg:") else None,
                phone=user.key[4:] if user.key.startswith("tel:") else None)
    except CareError as error:
        ctx.state["link_failures"] = [*failures, ctx.now.isoformat()]
        ctx.say(error.message_zh)
        return
    ctx.say(P.LINKED.format(elder=elder.name) + P.ANYTHING_ELSE)
    ctx.replies[-1].extras["family_id"] = family_id  # the channel remembers who this is from now on
