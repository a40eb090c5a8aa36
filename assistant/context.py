"""One turn being handled: what was said, what is known, and the replies being gathered."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from assistant.speech import to_speech
from assistant.types import ELDER, FAMILY, Option, Reply, Turn
from care.access import Actor
from care.catalog import Catalog, local_today
from care.db import SessionFactory
from care.support import Party
from knowledge import KnowledgeBase
from nlu import NLU, Parse

T = TypeVar("T")
KEY_NAMES = {"*": "星号", "#": "井号"}
"""Keys said by name on the phone (digits are read as numbers)."""


class Loaded(Generic[T]):
    """A model loaded once, off the event loop, on first use (loading can take a second or two)."""

    def __init__(self, load: Callable[[], T]) -> None:
        self._load: Callable[[], T] = load
        self._value: T | None = None

    async def get(self) -> T:
        if self._value is None:
            self._value = await asyncio.to_thread(self._load)
        return self._value


@dataclass
class Deps:
    """What the assistant needs from outside, passed in so tests can give their own."""

    sessions: SessionFactory
    nlu: Loaded[NLU]
    knowledge: Loaded[KnowledgeBase]
    catalog: Catalog


@dataclass
class TurnContext:
    turn: Turn
    deps: Deps
    state: dict[str, Any]
    parse: Parse | None = None
    replies: list[Reply] = field(default_factory=list)

    # --- what was said ---------------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        return self.turn.at

    @property
    def today(self) -> date:
        return local_today(self.turn.at)

    @property
    def text(self) -> str:
        return (self.turn.text or "").strip()

    @property
    def intent(self) -> str | None:
        return self.parse.intent if self.parse else None

    def entity(self, name: str) -> str | None:
        return self.parse.entity(name) if self.parse else None

    def key(self, options: tuple[tuple[str, str], ...]) -> str | None:
        """The option chosen by keypad digit, button, typed digit, or by saying its label."""
        if self.turn.dtmf:
            return self.turn.dtmf if self.turn.dtmf in dict(options) else None
        text = self.text.rstrip("。.！!")
        for key, label in options:
            if text in (key, label, f"{key}号", f"第{key}个"):
                return key
        return None

    # --- who -------------------------------------------------------------------------------------------
    @property
    def actor(self) -> Actor:
        user = self.turn.user
        return Actor(ELDER if user.kind == ELDER else FAMILY, user.id)

    @property
    def party(self) -> Party:
        user = self.turn.user
        return Party(self.turn.channel, user.key, elder_id=user.id if user.kind == ELDER else None,
                     family_id=user.id if user.kind == FAMILY else None)

    # --- replies ---------------------------------------------------------------------------------------
    def say(self, text: str, options: tuple[tuple[str, str], ...] = (), *, action: str | None = None,
            order: dict[str, Any] | None = None, speak: str | None = None) -> None:
        opts = tuple(Option(k, label) for k, label in options)
        spoken = speak if speak is not None else text
        if self.turn.channel == "phone" and opts and speak is None:
            spoken += "".join(f"{label}请按{KEY_NAMES.get(k, k)}，" for k, label in options).rstrip("，") + "。"
        self.replies.append(Reply(text=text, speak=to_speech(spoken), options=opts, action=action,  # type: ignore[arg-type]
                                  intent=self.intent, order=order))

    # --- flow state ------------------------------------------------------------------------------------
    @property
    def flow(self) -> dict[str, Any] | None:
        return self.state.get("flow")

    def start(self, name: str, awaiting: str | None = None, **data: Any) -> dict[str, Any]:
        self.state["flow"] = {"name": name, "awaiting": awaiting, "data": data, "misses": 0}
        return self.state["flow"]

    def end(self) -> None:
        self.state["flow"] = None
