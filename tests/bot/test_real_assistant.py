"""The bot with the real assistant: a daughter books by buttons, the station's staff accept in Telegram,
and she is told. Only Telegram's servers are stood in for."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from assistant import Assistant
from assistant.notices import notice
from bot.app import build_dispatcher
from bot.notify import TelegramSender
from care.models import Order, Staff
from integrations.outbox import OutboxWorker, TelegramDeliverer
from tests.bot.conftest import Harness
from tests.bot.telegram_stub import Updates
from tests.conftest import NOW

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
MANAGER_TG = 7001


@pytest.fixture
async def real(demo, telegram, bot):  # type: ignore[no-untyped-def]
    assistant = Assistant(demo.sessions)
    dispatcher = build_dispatcher(demo.sessions, assistant, lambda: NOW)
    yield Harness(telegram, bot, dispatcher, assistant, Updates(), demo.sessions)  # type: ignore[arg-type]
    await dispatcher.fsm.close()


async def test_a_daughter_books_by_buttons_and_hears_when_the_station_accepts(real, lijuan, demo) -> None:
    async with demo.sessions() as session, session.begin():
        await session.execute(update(Staff).where(Staff.username == "xinhua").values(telegram_id=MANAGER_TG))
    worker = OutboxWorker(demo.sessions, [TelegramDeliverer(send=TelegramSender(real.bot), render=notice)],
                          clock=lambda: NOW)
    await worker.run_once()  # the demo's own orders reach the manager first

    await real.say(lijuan, "订餐")
    assert real.telegram.sent(lijuan)[-1].text == "哪天要？"
    await real.press(lijuan, lijuan, "明天")
    await real.press(lijuan, lijuan, "午餐")
    await real.press(lijuan, lijuan, "2份")
    read_back = real.telegram.sent(lijuan)[-1].text
    assert "王秀英" in read_back and "2份" in read_back and "对吗" in read_back
    await real.press(lijuan, lijuan, "确认")
    assert real.telegram.sent(lijuan)[-1].text.startswith("订好了，单号")
    async with demo.sessions() as session:
        order = (await session.execute(select(Order).where(Order.channel == "telegram"))).scalar_one()
    assert (order.quantity, order.window, order.date.isoformat()) == (2, "lunch", "2026-11-27")

    await worker.run_once()
    new_order = real.telegram.sent(MANAGER_TG)[-1]
    assert f"新订单{order.code}" in new_order.text and "王秀英" in new_order.text
    await real.press(MANAGER_TG, MANAGER_TG, "接单", name="陈晓燕")
    async with demo.sessions() as session:
        assert (await session.get(Order, order.id)).status == "accepted"
    await worker.run_once()
    told = [m.text for m in real.telegram.sent(lijuan)]
    assert any("服务站已接单" in t and order.code in t for t in told)


async def test_an_emergency_typed_in_telegram_alerts_the_station(real, lijuan, demo) -> None:
    async with demo.sessions() as session, session.begin():
        await session.execute(update(Staff).where(Staff.username == "xinhua").values(telegram_id=MANAGER_TG))
    await real.say(lijuan, "我妈摔倒了起不来")
    assert "120" in real.telegram.sent(lijuan)[-1].text
    worker = OutboxWorker(demo.sessions, [TelegramDeliverer(send=TelegramSender(real.bot), render=notice)],
                          clock=lambda: NOW)
    await worker.run_once()
    alerts = [m.text for m in real.telegram.sent(MANAGER_TG)]
    assert any("紧急求助" in t and "摔倒" in t for t in alerts)
