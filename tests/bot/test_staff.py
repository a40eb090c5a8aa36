"""Station staff in Telegram: new orders arrive through the outbox with 接单 / 拒绝; only the order's
station may press them; rejecting asks for a reason; a double tap changes the order once. Families
hear about each step in their own chat."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from assistant.notices import notice
from bot import texts
from bot.callbacks import OrderActionCallback
from bot.identity import link_staff
from bot.notify import TelegramSender
from care import codes
from care.errors import Invalid, NotFound
from care.models import FamilyMember, Order, OrderEvent, Outbox
from integrations.outbox import Counts, OutboxWorker, TelegramDeliverer
from tests.conftest import NOW

XINHUA, XINHUA2, XINGFU = 7001, 7002, 7003  # managers/staff of hz-xinhua, and of another station


@pytest.fixture
async def staffed(harness, lijuan):  # type: ignore[no-untyped-def]
    for username, chat in (("xinhua", XINHUA), ("xinhua2", XINHUA2), ("xingfu", XINGFU)):
        await link_staff(harness.sessions, username, chat)
    async with harness.sessions() as session, session.begin():  # the demo's notifications went out long ago
        await session.execute(update(Outbox).values(delivered_at=NOW))
    return harness


def worker(harness) -> OutboxWorker:  # type: ignore[no-untyped-def]
    """The outbox worker as ``eldercare serve`` wires it for Telegram."""
    return OutboxWorker(harness.sessions, [TelegramDeliverer(send=TelegramSender(harness.bot), render=notice)],
                        clock=lambda: NOW)


async def deliver(harness) -> Counts:  # type: ignore[no-untyped-def]
    return await worker(harness).run_once()


async def book(harness, lijuan) -> str:  # type: ignore[no-untyped-def]
    await harness.say(lijuan, "订餐")
    await harness.press(lijuan, lijuan, "王秀英")
    await harness.press(lijuan, lijuan, "明天晚餐")
    reply = harness.telegram.sent(lijuan)[-1].text
    return reply.removeprefix("订好了。单号").removesuffix("。")


async def status_of(harness, code: str) -> tuple[str, list[tuple[str, str | None]]]:  # type: ignore[no-untyped-def]
    async with harness.sessions() as session:
        order = await session.get(Order, codes.decode(code))
        events = (await session.execute(select(OrderEvent.to_status, OrderEvent.note)
                                         .where(OrderEvent.order_id == order.id).order_by(OrderEvent.id))).all()
    return order.status, [tuple(e) for e in events]


async def test_a_new_order_reaches_the_station_staff_with_buttons_and_the_family(staffed, lijuan) -> None:  # type: ignore[no-untyped-def]
    code = await book(staffed, lijuan)
    staffed.telegram.clear()
    counts = await deliver(staffed)
    assert (counts.claimed, counts.delivered) == (2, 2)  # the station's row and 李娟's; the elder has no channel
    buttons = [("接单", OrderActionCallback(code=code, action="accept").pack()),
               ("拒绝", OrderActionCallback(code=code, action="reject").pack())]
    for chat in (XINHUA, XINHUA2):
        [call] = staffed.telegram.sent(chat)
        assert call.text.startswith(f"新订单{code}：王秀英，11月27日（星期五）晚餐助餐1份")
        assert call.buttons() == buttons
    assert staffed.telegram.sent(XINGFU) == []  # another station hears nothing
    [family] = staffed.telegram.sent(lijuan)
    assert family.text == f"已为王秀英预约11月27日（星期五）晚餐助餐1份，等待服务站确认。单号{code}。"
    assert family.markup is None


def new_order_message(staffed, code: str) -> dict:  # type: ignore[no-untyped-def]
    """The new-order message hz-xinhua's manager got for ``code`` (with its buttons)."""
    return next(m for (chat, _), m in staffed.telegram.messages.items()
                if chat == XINHUA and m["text"].startswith(f"新订单{code}"))


async def test_staff_accept_the_order_once_and_the_family_is_told(staffed, lijuan) -> None:  # type: ignore[no-untyped-def]
    code = await book(staffed, lijuan)
    await deliver(staffed)
    staffed.telegram.clear()

    # Another station's manager cannot press it (a forwarded message, say).
    xinhua_message = new_order_message(staffed, code)
    accept = OrderActionCallback(code=code, action="accept").pack()
    await staffed.feed(staffed.updates.press(XINGFU, xinhua_message, accept, name="吴丽"))
    [alert] = staffed.telegram.of("answerCallbackQuery")
    assert alert.params["text"] == texts.NOT_YOUR_STATION and alert.params["show_alert"] == "true"
    assert (await status_of(staffed, code))[0] == "pending"

    # A family member cannot either.
    await staffed.feed(staffed.updates.press(lijuan, xinhua_message, accept))
    assert staffed.telegram.of("answerCallbackQuery")[-1].params["text"] == texts.NOT_STAFF

    # 陈晓燕 of hz-xinhua accepts; a double tap changes nothing more.
    before = dict(xinhua_message)
    await staffed.feed(staffed.updates.press(XINHUA, before, accept, name="陈晓燕"))
    await staffed.feed(staffed.updates.press(XINHUA, before, accept, name="陈晓燕"))
    status, events = await status_of(staffed, code)
    assert status == "accepted" and [e for e, _ in events] == ["pending", "accepted"]
    first, second = staffed.telegram.of("answerCallbackQuery")[-2:]
    assert first.params["text"] == texts.ACCEPT_DONE
    assert second.params["text"] == texts.ALREADY.format(status="已接单")
    edited = staffed.telegram.messages[(XINHUA, xinhua_message["message_id"])]
    assert edited["text"].endswith(texts.ACCEPTED_BY.format(name="陈晓燕")) and "reply_markup" not in edited

    # Her colleague's copy still has buttons; pressing it tells him it is done already, and by whom.
    xinhua2_message = next(m for (chat, _), m in staffed.telegram.messages.items() if chat == XINHUA2)
    await staffed.feed(staffed.updates.press(XINHUA2, xinhua2_message, accept, name="马强"))
    assert staffed.telegram.of("answerCallbackQuery")[-1].params["text"] == texts.ALREADY.format(status="已接单")
    edited = staffed.telegram.messages[(XINHUA2, xinhua2_message["message_id"])]
    assert edited["text"].endswith(texts.ACCEPTED_BY.format(name="陈晓燕")) and "reply_markup" not in edited
    assert [e for e, _ in (await status_of(staffed, code))[1]] == ["pending", "accepted"]

    staffed.telegram.clear()
    await deliver(staffed)
    [family] = staffed.telegram.sent(lijuan)
    assert family.text == f"服务站已接单：王秀英11月27日（星期五）晚餐助餐1份。单号{code}。"
    station_news = f"订单{code}已接单：王秀英，11月27日（星期五）晚餐助餐1份。"
    assert [c.text for c in staffed.telegram.sent(XINHUA)] == [station_news]
    assert staffed.telegram.sent(XINHUA)[0].markup is None


async def test_rejecting_asks_for_a_reason_first(staffed, lijuan) -> None:  # type: ignore[no-untyped-def]
    code = await book(staffed, lijuan)
    await deliver(staffed)
    staffed.telegram.clear()
    message = new_order_message(staffed, code)
    reject = OrderActionCallback(code=code, action="reject").pack()
    await staffed.feed(staffed.updates.press(XINHUA, message, reject, name="陈晓燕"))
    await staffed.feed(staffed.updates.press(XINHUA, message, reject, name="陈晓燕"))  # double tap: asks again
    asks = staffed.telegram.sent(XINHUA)
    assert [c.text for c in asks] == [texts.ASK_REJECT_REASON.format(code=code)] * 2
    assert asks[0].markup["force_reply"] is True
    assert (await status_of(staffed, code))[0] == "pending"  # nothing happens before the reason

    turns_before = len(staffed.assistant.turns)
    await staffed.say(XINHUA, "当天厨师请假，人手不够", name="陈晓燕")
    await staffed.say(XINHUA, "谢谢", name="陈晓燕")  # the next message is a normal one again
    status, events = await status_of(staffed, code)
    assert status == "rejected" and events[-1] == ("rejected", "当天厨师请假，人手不够")
    assert [e for e, _ in events] == ["pending", "rejected"]
    assert texts.REJECT_DONE.format(code=code) in [c.text for c in staffed.telegram.sent(XINHUA)]
    edited = staffed.telegram.messages[(XINHUA, message["message_id"])]
    assert edited["text"].endswith(texts.REJECTED_BY.format(name="陈晓燕", reason="当天厨师请假，人手不够"))
    assert [t.text for t in staffed.assistant.turns[turns_before:]] == ["谢谢"]  # the reason never reached it

    staffed.telegram.clear()
    await deliver(staffed)
    assert [c.text for c in staffed.telegram.sent(lijuan)] == [
        "很抱歉，服务站没能接下王秀英的11月27日（星期五）晚餐助餐1份。原因：当天厨师请假，人手不够。可以换个时间再约。"]


async def test_a_reject_can_be_called_off(staffed, lijuan) -> None:  # type: ignore[no-untyped-def]
    code = await book(staffed, lijuan)
    await deliver(staffed)
    message = new_order_message(staffed, code)
    await staffed.feed(staffed.updates.press(XINHUA, message, OrderActionCallback(code=code, action="reject").pack()))
    await staffed.say(XINHUA, "取消", name="陈晓燕")
    assert staffed.telegram.sent(XINHUA)[-1].text == texts.REJECT_CANCELLED.format(code=code)
    assert (await status_of(staffed, code))[0] == "pending"


async def test_telegram_outages_make_delivery_fail_and_blocked_chats_are_passed_over(staffed, lijuan) -> None:  # type: ignore[no-untyped-def]
    await book(staffed, lijuan)
    staffed.telegram.blocked.add(XINHUA2)
    staffed.telegram.broken.add(lijuan)
    staffed.telegram.clear()
    counts = await deliver(staffed)
    assert (counts.delivered, counts.failed) == (1, 1)
    assert len(staffed.telegram.sent(XINHUA)) == 1  # XINHUA2 blocked the bot: the others still get it
    async with staffed.sessions() as session:
        failed = (await session.execute(select(Outbox).where(Outbox.attempts > 0))).scalars().all()
    assert [(r.recipient_type, r.delivered_at) for r in failed] == [("family", None)]
    assert "TelegramServerError" in failed[0].last_error or "Bad Gateway" in failed[0].last_error


async def test_rows_for_people_without_telegram_are_skipped(staffed, lijuan) -> None:  # type: ignore[no-untyped-def]
    await link_staff(staffed.sessions, "xinhua", None)
    await link_staff(staffed.sessions, "xinhua2", None)
    await book(staffed, lijuan)
    async with staffed.sessions() as session, session.begin():
        await session.execute(update(FamilyMember).values(telegram_id=None))
    staffed.telegram.clear()
    counts = await deliver(staffed)
    assert (counts.claimed, counts.skipped) == (2, 2) and staffed.telegram.sent() == []


async def test_link_staff_refuses_a_telegram_id_already_in_use_and_unknown_accounts(staffed) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid):
        await link_staff(staffed.sessions, "xugou", XINHUA)
    with pytest.raises(NotFound):
        await link_staff(staffed.sessions, "nobody", 1)
    staff = await link_staff(staffed.sessions, "xinhua", None)
    assert staff.telegram_id is None


async def test_staff_find_their_telegram_number_and_are_greeted_as_staff(staffed) -> None:  # type: ignore[no-untyped-def]
    await staffed.say(7999, "/id", name="新同事")
    assert staffed.telegram.sent(7999)[-1].text == texts.YOUR_TELEGRAM_ID.format(telegram_id=7999)
    await staffed.say(XINHUA, "/start", name="陈晓燕")
    [greeting] = staffed.telegram.sent(XINHUA)
    assert greeting.text == texts.WELCOME_STAFF.format(name="陈晓燕", station="海州区新华社区居家养老服务站")
