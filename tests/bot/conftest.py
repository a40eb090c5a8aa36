"""The bot under test: aiogram's own Dispatcher fed real ``Update`` objects, a Bot client pointed at
``TelegramStub`` on 127.0.0.1, and a scripted stand-in for the assistant (the boundary we don't own)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update
from sqlalchemy import select, update

from assistant.types import FAMILY, Option, Reply, Turn
from bot.app import build_dispatcher, make_bot
from care import people
from care.access import Actor
from care.catalog import local_today
from care.models import FamilyMember
from care.orders import OrderRequest, place_order
from tests.bot.telegram_stub import TelegramStub, Updates
from tests.conftest import NOW

LIJUAN_TG = 9001  # 李娟, daughter of 王秀英 (hz-xinhua)
TOKEN = "123456:TEST-token"


@dataclass
class ScriptedAssistant:
    """Books a dinner for tomorrow in three steps (订餐 → which elder → which meal), for real, through
    ``care.orders.place_order``; answers anything else with a fixed sentence. Records every turn."""

    sessions: Any
    turns: list[Turn] = field(default_factory=list)
    steps: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    active: dict[str, int] = field(default_factory=dict)
    overlaps: int = 0

    async def handle(self, turn: Turn) -> list[Reply]:
        key = turn.user.key
        self.active[key] = self.active.get(key, 0) + 1
        self.overlaps += self.active[key] > 1
        try:
            self.turns.append(turn)
            if self.delay:
                await asyncio.sleep(self.delay)
            return await self._answer(turn)
        finally:
            self.active[key] -= 1

    async def _answer(self, turn: Turn) -> list[Reply]:
        key, step = turn.user.key, self.steps.get(turn.user.key)
        if turn.text == "订餐":
            if turn.user.kind != FAMILY:
                return [Reply("订餐要先绑定老人。")]
            async with self.sessions() as session:
                elders = await people.linked_elders(session, turn.user.id)
            self.steps[key] = "elder"
            return [Reply("给哪位老人订餐？", options=tuple(Option(str(i), e.name)
                                                        for i, (e, _) in enumerate(elders, 1)))]
        if step == "elder" and turn.dtmf:
            self.steps[key] = "meal:" + turn.dtmf
            return [Reply("订哪一顿？", options=(Option("1", "明天午餐"), Option("2", "明天晚餐")))]
        if step and step.startswith("meal:") and turn.dtmf:
            del self.steps[key]
            async with self.sessions() as session:
                elders = await people.linked_elders(session, turn.user.id)
            elder = elders[int(step.split(":")[1]) - 1][0]
            placed = await place_order(self.sessions, OrderRequest(
                elder_id=elder.id, kind="meal", date=local_today(turn.at) + timedelta(days=1),
                window="lunch" if turn.dtmf == "1" else "dinner", channel="telegram",
            ), Actor(FAMILY, turn.user.id), turn.at)
            order = placed.order
            return [Reply(f"订好了。单号{order.code}。", order={"id": order.code, "status": order.status})]
        return [Reply("好的，我记下了。")]


@dataclass
class Harness:
    telegram: TelegramStub
    bot: Bot
    dispatcher: Dispatcher
    assistant: ScriptedAssistant
    updates: Updates
    sessions: Any

    async def feed(self, raw: dict[str, Any], dispatcher: Dispatcher | None = None) -> Any:
        return await (dispatcher or self.dispatcher).feed_update(
            self.bot, Update.model_validate(raw, context={"bot": self.bot}))

    async def say(self, user_id: int, text: str, name: str = "李娟") -> None:
        await self.feed(self.updates.text(user_id, text, name))

    async def press(self, user_id: int, chat_id: int, label: str, name: str = "李娟") -> None:
        """Tap the button ``label`` under the latest message that shows it in chat ``chat_id``."""
        for call in reversed(self.telegram.sent(chat_id)):
            message = self.telegram.message(call)
            buttons = {b["text"]: b["callback_data"] for row in message.get("reply_markup", {})
                       .get("inline_keyboard", []) for b in row}
            if label in buttons:
                await self.feed(self.updates.press(user_id, message, buttons[label], name))
                return
        raise AssertionError(f"no button {label!r} in chat {chat_id}")


@pytest.fixture
async def telegram(aiohttp_server) -> TelegramStub:  # type: ignore[no-untyped-def]
    stub = TelegramStub()
    stub.server = await aiohttp_server(stub.app(), host="127.0.0.1")  # type: ignore[attr-defined]
    return stub


@pytest.fixture
async def bot(telegram: TelegramStub) -> AsyncIterator[Bot]:
    client = make_bot(TOKEN, api_base=str(telegram.server.make_url("/")))  # type: ignore[attr-defined]
    yield client
    await client.session.close()


@pytest.fixture
async def lijuan(demo) -> int:  # type: ignore[no-untyped-def]
    """李娟's Telegram account, known to care (she registered by phone and gave her Telegram id)."""
    async with demo.sessions() as session, session.begin():
        await session.execute(update(FamilyMember).where(FamilyMember.phone == "13900000001")
                              .values(telegram_id=LIJUAN_TG))
    return LIJUAN_TG


@pytest.fixture
async def harness(demo, telegram: TelegramStub, bot: Bot) -> AsyncIterator[Harness]:  # type: ignore[no-untyped-def]
    assistant = ScriptedAssistant(demo.sessions)
    dispatcher = build_dispatcher(demo.sessions, assistant, lambda: NOW)
    yield Harness(telegram, bot, dispatcher, assistant, Updates(), demo.sessions)
    await dispatcher.fsm.close()


async def family_of(sessions, telegram_id: int) -> FamilyMember | None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return (await session.execute(select(FamilyMember).where(FamilyMember.telegram_id == telegram_id))
                ).scalars().first()
