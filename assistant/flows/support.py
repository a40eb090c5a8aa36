"""Complaints, hand-off to a person, and emergencies (which pre-empt everything else)."""

from __future__ import annotations

from dataclasses import replace

from assistant import phrases as P
from assistant.context import TurnContext
from care import people
from care.support import Party, open_handoff, raise_emergency, record_complaint

_ADVICE_CUES = (
    ("gas", ("煤气", "燃气", "天然气", "液化气")),
    ("fire", ("着火", "起火", "火灾", "冒烟")),
    ("stroke", ("嘴歪", "说不清", "半边", "一边没劲", "一侧")),
    ("breath", ("喘", "憋", "呼吸")),
    ("chest", ("胸口", "心口", "心脏")),
    ("fall", ("摔", "跌", "倒了", "起不来")),
)
_COMPLAINT_ONLY = ("投诉", "我要投诉", "我想投诉", "我要反映", "提意见")


def advice_for(text: str) -> str:
    for kind, cues in _ADVICE_CUES:
        if any(cue in text for cue in cues):
            return P.EMERGENCY_ADVICE[kind]
    return P.EMERGENCY_ADVICE["other"]


async def party(ctx: TurnContext) -> Party:
    """Who raised it and which elder it concerns: the caller, or the linked elder the relation names
    (我妈摔倒了 from someone linked to a father and a mother is about the mother)."""
    base = ctx.party
    if base.family_id is None:
        return base
    async with ctx.deps.sessions.reading() as session:
        elder = people.named_elder(await people.linked_elders(session, base.family_id), ctx.entity("relation"))
    return replace(base, elder_id=elder.id) if elder is not None else base


async def emergency(ctx: TurnContext) -> None:
    async with ctx.deps.sessions() as session, session.begin():
        _ticket, alerted = await raise_emergency(session, await party(ctx), ctx.text or "（按键求助）", ctx.now)
    ctx.start("emergency", awaiting="handoff")
    ctx.say(P.EMERGENCY.format(advice=advice_for(ctx.text), alerted=P.ALERTED[frozenset(alerted)]),
            P.EMERGENCY_OPTIONS)


async def resume_emergency(ctx: TurnContext) -> bool:
    key = ctx.key(P.EMERGENCY_OPTIONS)
    if key == "1" or (key is None and ctx.intent in ("affirm", "human_handoff")):
        ctx.end()
        await handoff(ctx, "emergency")
        return True
    if key == "2" or ctx.intent in ("deny", "thank", "goodbye"):
        ctx.end()
        ctx.say(P.EMERGENCY_DONE)
        return True
    return False


async def handoff(ctx: TurnContext, reason: str = "asked") -> None:
    async with ctx.deps.sessions() as session, session.begin():
        await open_handoff(session, await party(ctx), reason, ctx.text or reason, ctx.now)
    if ctx.turn.channel == "phone":
        ctx.say(P.HANDOFF_PHONE, action="transfer")
    else:
        ctx.say(P.HANDOFF)


async def complaint(ctx: TurnContext) -> None:
    if ctx.text.rstrip("。！!") in _COMPLAINT_ONLY or not ctx.text:
        ctx.start("complaint", awaiting="text")
        ctx.say(P.COMPLAINT_WHAT)
        return
    await _record(ctx)


async def resume_complaint(ctx: TurnContext) -> bool:
    if not ctx.text:
        return False
    ctx.end()
    await _record(ctx)
    return True


async def _record(ctx: TurnContext) -> None:
    async with ctx.deps.sessions() as session, session.begin():
        await record_complaint(session, await party(ctx), ctx.text, ctx.now)
    ctx.say(P.COMPLAINT_RECORDED + P.ANYTHING_ELSE)
