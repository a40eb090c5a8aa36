from __future__ import annotations

from dataclasses import dataclass

import pytest

from assistant import Assistant, Reply, Turn, identify
from tests.conftest import NOW


@dataclass
class Talk:
    """One person talking to the assistant; ``say`` returns the replies' text joined."""

    assistant: Assistant
    db: object
    phone: str | None
    channel: str = "web"
    last: list[Reply] | None = None

    async def turn(self, text: str | None = None, dtmf: str | None = None, at=NOW) -> list[Reply]:  # type: ignore[no-untyped-def]
        async with self.db.sessions() as session:  # type: ignore[attr-defined]
            user = await identify(session, self.channel, phone=self.phone, session_key="test")
        self.last = await self.assistant.handle(Turn(channel=self.channel, user=user, at=at, text=text, dtmf=dtmf))  # type: ignore[arg-type]
        return self.last

    async def say(self, text: str) -> str:
        return "\n".join(r.text for r in await self.turn(text))

    async def press(self, digit: str) -> str:
        return "\n".join(r.text for r in await self.turn(dtmf=digit))

    @property
    def order(self) -> dict | None:
        return next((r.order for r in reversed(self.last or []) if r.order), None)


@pytest.fixture
def talk(demo):  # type: ignore[no-untyped-def]
    assistant = Assistant(demo.sessions)

    def make(phone: str | None = None, channel: str = "web") -> Talk:
        return Talk(assistant, demo, phone, channel)

    return make
