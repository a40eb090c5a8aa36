"""The conversation core every channel shares: ``Assistant.handle(Turn) -> list[Reply]``.

The way of a turn: load the person's state → understand (NLU, or the keypad digit) → an emergency
pre-empts everything → global requests (repeat, a person, goodbye) → the active flow takes the turn
if it answers its question → otherwise a question is answered in passing or a new request starts a
new flow → save the state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, replace

import nlu
from assistant import phrases as P
from assistant import state as dialogue
from assistant.context import Deps, Loaded, TurnContext
from assistant.flows import booking, linking, my_orders, policy, support
from assistant.types import Option, Reply, Turn
from care.catalog import Catalog, default_catalog
from care.db import SessionFactory
from knowledge import KnowledgeBase

MAX_TEXT = 10_000
QUESTIONS = ("ask_policy", "ask_subsidy", "ask_eligibility")
MENU_KEYS = {"1": "book_meal", "2": "book_bath", "3": "book_home_visit", "4": "ask_menu", "5": "check_order",
             "0": "human_handoff", "*": "repeat"}
RESUMERS = {
    "booking": booking.resume, "cancel": my_orders.resume, "modify": my_orders.resume,
    "eligibility": policy.resume, "complaint": support.resume_complaint, "emergency": support.resume_emergency,
    "question": policy.resume_question,
}


class Assistant:
    def __init__(
        self, sessions: SessionFactory, *, nlu_model: Callable[[], nlu.NLU] = nlu.default,
        knowledge: Callable[[], KnowledgeBase] = KnowledgeBase.load, catalog: Catalog | None = None,
    ) -> None:
        self.deps = Deps(sessions, Loaded(nlu_model), Loaded(knowledge), catalog or default_catalog())

    async def handle(self, turn: Turn) -> list[Reply]:
        async def respond(ctx: TurnContext) -> None:
            keypad_intent = _keypad_intent(ctx.state, turn)
            await self._understand(ctx)
            await self._respond(ctx)
            if keypad_intent:
                ctx.replies[:] = [replace(r, intent=keypad_intent) for r in ctx.replies]

        return await self._turn(turn, respond)

    async def greet(self, turn: Turn) -> list[Reply]:
        """The first words of a call: a greeting and the menu, or, for a caller who was cut off in the
        middle of something (less than 30 minutes ago), the question they were last asked."""

        async def respond(ctx: TurnContext) -> None:
            if ctx.flow is not None and ctx.state.get("last"):
                ctx.say(P.WELCOME_BACK)
                _replay(ctx, only_last=True)
                return
            _greeting(ctx)

        return await self._turn(turn, respond)

    async def _turn(self, turn: Turn, respond: Callable[[TurnContext], Awaitable[None]]) -> list[Reply]:
        """Load the person's state, let ``respond`` fill the replies, remember them and save the state."""
        async with self.deps.sessions.reading() as session:
            state = await dialogue.load(session, turn.channel, turn.user.key, turn.at)
        ctx = TurnContext(turn, self.deps, state)
        await respond(ctx)
        if ctx.replies and ctx.intent != "repeat":
            state["last"] = [_stored(r) for r in ctx.replies]
        async with self.deps.sessions() as session, session.begin():
            await dialogue.save(session, turn.channel, turn.user.key, state, turn.at)
        return ctx.replies

    async def _understand(self, ctx: TurnContext) -> None:
        text = ctx.text
        if len(text) > MAX_TEXT:
            text = text[:MAX_TEXT]
        if text:
            model = await self.deps.nlu.get()
            ctx.parse = model.parse(text, ctx.today)

    async def _respond(self, ctx: TurnContext) -> None:
        if not ctx.text and not ctx.turn.dtmf:
            ctx.say(P.EMPTY_INPUT)
            _replay(ctx)
            return
        digit = ctx.turn.dtmf
        if code := linking.code_in(ctx.text):
            await linking.link(ctx, code)
            return
        if ctx.intent == "emergency":
            await support.emergency(ctx)
            return
        if ctx.intent == "repeat" or digit == "*":
            _replay(ctx, slow=True)
            return
        if ctx.intent == "human_handoff" or digit == "0":
            ctx.end()
            await support.handoff(ctx)
            return
        if ctx.intent == "goodbye":
            ctx.end()
            ctx.say(P.GOODBYE, action="hangup" if ctx.turn.channel == "phone" else None)
            return
        flow = ctx.flow
        if flow is not None:
            if await RESUMERS[flow["name"]](ctx):
                ctx.state["misses"] = 0
                return
            if ctx.intent in QUESTIONS:
                await self._question(ctx)
                if flow["name"] == "booking":
                    ctx.say(P.RESUME_BOOKING)
                _replay(ctx, only_last=True)
                return
            if ctx.intent not in _STARTERS:
                flow["misses"] = flow.get("misses", 0) + 1
                if flow["misses"] >= 2:
                    ctx.end()
                    _fallback(ctx)
                else:
                    ctx.say(P.DID_NOT_GET_FACT if not digit else P.KEY_NOT_VALID)
                    _replay(ctx, only_last=True)
                return
            ctx.end()
        intent = MENU_KEYS.get(digit or "") if digit else ctx.intent
        await self._start(ctx, intent)

    async def _question(self, ctx: TurnContext) -> None:
        if ctx.intent == "ask_eligibility" and policy.is_personal(ctx) and ctx.flow is None:
            await policy.start_eligibility(ctx)
        else:
            await policy.answer(ctx)

    async def _start(self, ctx: TurnContext, intent: str | None) -> None:
        starter = _STARTERS.get(intent or "")
        if starter is None:
            if intent == "thank":
                ctx.say(P.THANKS)
            elif intent == "affirm":
                ctx.say(P.WHAT_DO_YOU_NEED, P.MAIN_MENU)
            elif intent == "deny":
                ctx.say(P.NOTHING_MORE, action="hangup" if ctx.turn.channel == "phone" else None)
            elif intent == "greet":
                _greeting(ctx)
            elif intent == "ask_menu":
                ctx.start("question", awaiting="text")
                ctx.say(P.ASK_YOUR_QUESTION)
            else:
                ctx.state["misses"] = ctx.state.get("misses", 0) + 1
                if ctx.state["misses"] >= 2:
                    _fallback(ctx)
                else:
                    ctx.say(P.NOT_UNDERSTOOD if not ctx.turn.dtmf else P.KEY_NOT_VALID + P.MENU, P.MAIN_MENU)
            return
        ctx.state["misses"] = 0
        await starter(self, ctx)


def _starter_book(kind: str):  # type: ignore[no-untyped-def]
    async def run(_assistant: Assistant, ctx: TurnContext) -> None:
        await booking.start(ctx, kind)

    return run


async def _ask(assistant: Assistant, ctx: TurnContext) -> None:
    await assistant._question(ctx)


async def _check(_assistant: Assistant, ctx: TurnContext) -> None:
    await my_orders.check(ctx)


async def _cancel(_assistant: Assistant, ctx: TurnContext) -> None:
    await my_orders.start(ctx, "cancel")


async def _modify(_assistant: Assistant, ctx: TurnContext) -> None:
    await my_orders.start(ctx, "modify")


async def _complain(_assistant: Assistant, ctx: TurnContext) -> None:
    await support.complaint(ctx)


_STARTERS = {
    "book_meal": _starter_book("meal"), "book_bath": _starter_book("bath"),
    "book_home_visit": _starter_book("home_visit"), "ask_policy": _ask, "ask_subsidy": _ask,
    "ask_eligibility": _ask, "check_order": _check, "cancel_order": _cancel, "modify_order": _modify,
    "complain": _complain,
}


def _keypad_intent(state: dict, turn: Turn) -> str | None:
    """What a key press means, in intent names, for reporting (CONTRACTS.md `eldercare chat`)."""
    if not turn.dtmf or turn.text:
        return None
    flow = state.get("flow")
    if turn.dtmf in ("*", "0") or flow is None:
        return {"ask_menu": "ask_policy"}.get(MENU_KEYS.get(turn.dtmf, ""), MENU_KEYS.get(turn.dtmf))
    if flow.get("awaiting") == "confirm" or flow.get("name") == "emergency":
        return {"1": "affirm", "2": "deny"}.get(turn.dtmf, "inform")
    return "inform"


def _greeting(ctx: TurnContext) -> None:
    name = ctx.turn.user.name
    menu = P.MAIN_MENU + ((P.REPEAT_KEY,) if ctx.turn.channel == "phone" else ())
    ctx.say(P.GREETING_NAMED.format(name=name) if name else P.GREETING, menu)


def _fallback(ctx: TurnContext) -> None:
    ctx.state["misses"] = 0
    ctx.say(P.NOT_UNDERSTOOD_AGAIN, P.MAIN_MENU)


def _stored(reply: Reply) -> dict:
    data = asdict(reply)
    data["options"] = [[o["key"], o["label"]] for o in data["options"]]
    return data


def _replay(ctx: TurnContext, *, slow: bool = False, only_last: bool = False) -> None:
    """Say the previous replies again (the last one only, when re-asking a question)."""
    last = ctx.state.get("last") or []
    if not last:
        if slow:
            ctx.say(P.NOTHING_TO_REPEAT, P.MAIN_MENU)
        return
    for stored in last[-1:] if only_last else last:
        options = tuple(Option(k, label) for k, label in stored["options"])
        ctx.replies.append(Reply(text=stored["text"], speak=stored["speak"], options=options,
                                 action=stored.get("action"), intent=ctx.intent,
                                 extras={"rate": "slow"} if slow else {}))
