"""Policy, subsidy and eligibility questions, answered from the documents with their source.

An eligibility question about a person asks only the facts that decide it, one at a time.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from assistant import phrases as P
from assistant.context import TurnContext
from assistant.types import ELDER, FAMILY
from care import people
from care.models import Elder, Region
from knowledge import InvalidRequest
from knowledge.answers import BenefitResult, Citation, EligibilityResult

FLOW = "eligibility"
MAX_QUESTIONS = 4
_PERSONAL = re.compile(r"我|咱|俺|她|他|老人家?|本人")
_URBAN = {"城里": True, "城市": True, "市区": True, "县城": True, "农村": False, "乡下": False, "村里": False}


def _source(citation: Citation, spoken: bool) -> str:
    valid = "" if citation.valid == "在效" else P.EXPIRED_NOTE.format(valid=citation.valid)
    if spoken:
        return P.SOURCE_SPOKEN.format(title=citation.title) + valid
    return P.SOURCE.format(title=citation.title, doc_no=f"（{citation.doc_no}）" if citation.doc_no else "",
                           clause=citation.clause, valid=valid)


async def _region_of(ctx: TurnContext, elder_id: int | None) -> str | None:
    """The region the person means: named in this turn, or where the elder lives."""
    if region := ctx.entity("region"):
        return region
    if elder_id is None:
        return None
    async with ctx.deps.sessions.reading() as session:
        elder = await session.get(Elder, elder_id)
        if elder is None:
            return None
        region = await session.get(Region, elder.community.region_id)
        return region.name if region else None


async def _subject_elder(ctx: TurnContext) -> Elder | None:
    """The elder a question is about: the caller, or the linked elder the relation (or only link) names."""
    user = ctx.turn.user
    async with ctx.deps.sessions.reading() as session:
        if user.kind == ELDER:
            return await session.get(Elder, user.id)
        if user.kind == FAMILY:
            return people.named_elder(await people.linked_elders(session, user.id or 0), ctx.entity("relation"))
    return None


async def answer(ctx: TurnContext) -> None:
    """A question about what a policy says: the documents' answer and the clause it rests on."""
    elder = await _subject_elder(ctx)
    region = await _region_of(ctx, elder.id if elder else None)
    kb = await ctx.deps.knowledge.get()
    try:
        result = kb.ask(ctx.text, region=region, today=ctx.today)
    except InvalidRequest:
        result = kb.ask(ctx.text, region=None, today=ctx.today)
    if result.citations:
        first = result.citations[0]
        ctx.say(f"{result.answer}{_source(first, False)}{P.ANYTHING_ELSE}",
                speak=f"{result.answer}{_source(first, True)}{P.ANYTHING_ELSE}")
    else:
        ctx.say(result.answer + P.ANYTHING_ELSE)


def is_personal(ctx: TurnContext) -> bool:
    """我妈能不能领… is about a person; 什么人能住家庭养老床位 is about the policy."""
    return bool(ctx.entity("relation")) or bool(_PERSONAL.search(ctx.text))


def _profile_of(elder: Elder | None, today: date) -> dict[str, Any]:
    if elder is None:
        return {}
    profile: dict[str, Any] = {k: getattr(elder, k) for k in ("living", "economic", "disability", "urban",
                                                              "special_family", "priority_care")}
    if elder.birth_date:
        born = elder.birth_date
        profile["age"] = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return {k: v for k, v in profile.items() if v is not None}


_NEGATED = re.compile(r"(没有|没|不是|不|非|并非)$")
_NEGATED_MEANS = {"economic": "none", "disability": "none"}  # 没有低保 → none; 不是独居 → still unknown


def _facts_from_turn(ctx: TurnContext, asking: str | None) -> dict[str, Any]:
    """The profile facts this turn states; a negated mention (没有低保, 不是失能) is read as such."""
    facts: dict[str, Any] = {}
    said = ctx.turn.text or ""
    for e in ctx.parse.entities if ctx.parse else []:
        if e.entity == "age":
            facts["age"] = int(e.value)
        elif e.entity in ("living", "economic", "disability") and e.entity not in facts:
            if _NEGATED.search(said[max(0, e.start - 2):e.start]):
                if e.entity in _NEGATED_MEANS:
                    facts[e.entity] = _NEGATED_MEANS[e.entity]
            else:
                facts[e.entity] = e.value
    if asking == "age" and "age" not in facts and (digits := re.search(r"\d{2,3}", ctx.text)):
        facts["age"] = int(digits.group())
    for word, urban in _URBAN.items():
        if word in ctx.text:
            facts["urban"] = urban
    if asking in ("special_family", "priority_care", "urban") and asking not in facts:
        if ctx.intent == "affirm" or ctx.key(P.YES_NO) == "1":
            facts[asking] = True
        elif ctx.intent == "deny" or ctx.key(P.YES_NO) == "2":
            facts[asking] = False
    if asking in ("economic", "disability") and asking not in facts and (
            ctx.intent == "deny" or re.search(r"都不是|没有|不是|能自理|挺好", ctx.text)):
        facts[asking] = "none"
    return facts


async def start_eligibility(ctx: TurnContext) -> None:
    elder = await _subject_elder(ctx)
    data = {"benefit": ctx.entity("benefit"), "profile": _profile_of(elder, ctx.today), "asked": 0,
            "subject": P.SUBJECT_SELF, "region": await _region_of(ctx, elder.id if elder else None)}
    data["profile"].update(_facts_from_turn(ctx, None))
    ctx.start(FLOW, **data)
    await _evaluate(ctx)


async def resume(ctx: TurnContext) -> bool:
    flow = ctx.flow
    assert flow is not None
    data, asking = flow["data"], flow["awaiting"]
    if asking == "region":
        region = ctx.entity("region")
        if not region:
            return False
        data["region"] = region
    else:
        facts = _facts_from_turn(ctx, asking)
        if not facts:
            return False
        data["profile"].update(facts)
    await _evaluate(ctx)
    return True


async def _evaluate(ctx: TurnContext) -> None:
    flow = ctx.flow
    assert flow is not None
    data = flow["data"]
    kb = await ctx.deps.knowledge.get()
    if not data.get("region"):
        flow["awaiting"] = "region"
        ctx.say(P.WHICH_REGION)
        return
    try:
        result = kb.eligibility(data["region"], data["profile"], today=ctx.today)
    except InvalidRequest:
        ctx.say(P.UNKNOWN_REGION.format(known=P.KNOWN_REGIONS.format(regions="、".join(kb.regions()))))
        data.pop("region", None)
        flow["awaiting"] = "region"
        return
    benefits = [b for b in result.benefits if b.benefit == data.get("benefit")] if data.get("benefit") else []
    if data.get("benefit") and not benefits:
        # The documents of this region do not name the benefit: answer from the text, honestly.
        ctx.end()
        await answer(ctx)
        return
    focus = benefits or result.benefits
    missing = [k for k in _fact_order(focus) if k not in data["profile"]]
    if missing and data["asked"] < MAX_QUESTIONS and (benefits or not any(b.status == "eligible" for b in focus)):
        data["asked"] += 1
        flow["awaiting"] = missing[0]
        options = P.YES_NO if missing[0] in ("special_family", "priority_care") else ()
        ctx.say(P.QUESTIONS[missing[0]], options)
        return
    ctx.end()
    if benefits:
        _tell(ctx, benefits[0])
    else:
        names = [b.name for b in focus if b.status == "eligible"]
        summary = (P.ELIGIBLE_SUMMARY.format(subject=data["subject"], names="、".join(names)) if names
                   else P.NONE_ELIGIBLE.format(subject=data["subject"]))
        ctx.say(summary + P.ELIGIBILITY_MORE)


def _fact_order(benefits: list[BenefitResult]) -> list[str]:
    """The facts these benefits still need, in the order a conversation asks them."""
    return EligibilityResult(region="", benefits=benefits).missing


def _tell(ctx: TurnContext, result: BenefitResult) -> None:
    text = "".join(result.reasons)
    if result.status == "eligible" and result.amount:
        text += P.AMOUNT.format(amount=result.amount)
    elif result.status == "unspecified":
        text = P.UNSPECIFIED.format(benefit=result.name)
    if result.citations:
        first = result.citations[0]
        ctx.say(f"{text}{_source(first, False)}{P.ANYTHING_ELSE}",
                speak=f"{text}{_source(first, True)}{P.ANYTHING_ELSE}")
    else:
        ctx.say(text + P.ANYTHING_ELSE)


async def resume_question(ctx: TurnContext) -> bool:
    """After 政策咨询 was chosen on the menu: whatever is said next is the question."""
    if not ctx.text:
        return False
    ctx.end()
    if ctx.intent == "ask_eligibility" and is_personal(ctx):
        await start_eligibility(ctx)
    else:
        await answer(ctx)
    return True
