"""Station staff: 接单 / 拒绝 under a new order. Only the order's station may press them; rejecting asks
for a reason first (FSM state), and a double tap changes the order once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ForceReply, Message
from sqlalchemy import select

from bot import texts
from bot.callbacks import OrderActionCallback
from bot.identity import Person
from care import lifecycle
from care.access import STAFF
from care.db import SessionFactory
from care.errors import CareError
from care.models import OrderEvent, Staff
from care.orders import order_by_code, transition

log = logging.getLogger(__name__)


class RejectOrder(StatesGroup):
    reason = State()


async def _check(callback: CallbackQuery, code: str, person: Person | None, sessions: SessionFactory) -> str | None:
    """The order's status if this person may work it; otherwise answers the press and returns None."""
    if person is None or person.staff is None:
        await callback.answer(texts.NOT_STAFF, show_alert=True)
        return None
    try:
        async with sessions.reading() as session:
            order = await order_by_code(session, code)
    except CareError as error:
        await callback.answer(error.message_zh, show_alert=True)
        return None
    if not person.staff.may_work(order.station_id):
        await callback.answer(texts.NOT_YOUR_STATION, show_alert=True)
        return None
    return order.status


async def _settle(bot: Bot, chat_id: int, message_id: int, text: str | None, line: str) -> None:
    """Replace the buttons under the order message by what happened to it."""
    with suppress(TelegramBadRequest):
        await bot.edit_message_text(f"{text or ''}\n\n{line}".strip(), chat_id=chat_id, message_id=message_id,
                                    reply_markup=None)


async def accept(callback: CallbackQuery, callback_data: OrderActionCallback, bot: Bot, person: Person | None,
                 sessions: SessionFactory, state: FSMContext, clock: Callable[[], datetime]) -> None:
    if await _check(callback, callback_data.code, person, sessions) is None:
        return
    assert person is not None and person.staff is not None
    if (await state.get_data()).get("order") == callback_data.code:
        await state.set_state(None)  # pressed 拒绝 first, then changed their mind
        await state.update_data({"order": None, "order_message": None})
    try:
        result = await transition(sessions, callback_data.code, "accept", person.staff.actor, clock())
    except CareError as error:
        await callback.answer(error.message_zh, show_alert=True)
        return
    status = lifecycle.STATUS_LABELS[result.order.status]
    await callback.answer(texts.ALREADY.format(status=status) if not result.changed else texts.ACCEPT_DONE)
    message = callback.message
    if isinstance(message, Message):  # the same line whoever presses it, however often
        await _settle(bot, message.chat.id, message.message_id, message.text,
                      await _outcome(sessions, result.order.id, result.order.status))


async def _outcome(sessions: SessionFactory, order_id: int, status: str) -> str:
    """'✅ 已接单（陈晓燕）': the order's status and who set it, from its latest event."""
    async with sessions.reading() as session:
        actor = (await session.execute(
            select(OrderEvent.actor).where(OrderEvent.order_id == order_id, OrderEvent.to_status == status)
            .order_by(OrderEvent.id.desc()).limit(1))).scalar()
        name = None
        if actor and actor.startswith(f"{STAFF}:"):
            name = await session.scalar(select(Staff.name).where(Staff.id == int(actor.split(":")[1])))
    if status == lifecycle.ACCEPTED:
        return texts.ACCEPTED_BY.format(name=name or "服务站")
    return f"（{lifecycle.STATUS_LABELS[status]}）"


async def reject(callback: CallbackQuery, callback_data: OrderActionCallback, person: Person | None,
                 sessions: SessionFactory, state: FSMContext) -> None:
    status = await _check(callback, callback_data.code, person, sessions)
    if status is None:
        return
    if status not in lifecycle.ACTIONS["reject"].sources:
        await callback.answer(texts.ALREADY.format(status=lifecycle.STATUS_LABELS[status]), show_alert=True)
        return
    await callback.answer()
    message = callback.message
    await state.set_state(RejectOrder.reason)
    await state.update_data({
        "order": callback_data.code,
        "order_message": [message.chat.id, message.message_id, message.text] if isinstance(message, Message)
        else None,
    })
    if isinstance(message, Message):
        await message.answer(texts.ASK_REJECT_REASON.format(code=callback_data.code),
                             reply_markup=ForceReply(input_field_placeholder="拒绝原因"))


async def reject_reason(message: Message, bot: Bot, person: Person | None, sessions: SessionFactory,
                        state: FSMContext, clock: Callable[[], datetime]) -> None:
    data = await state.get_data()
    code, reason = data.get("order", ""), (message.text or "").strip()
    await state.set_state(None)
    await state.update_data({"order": None, "order_message": None})
    if reason in texts.CANCEL_WORDS:
        await message.answer(texts.REJECT_CANCELLED.format(code=code))
        return
    if person is None or person.staff is None:
        await message.answer(texts.NOT_STAFF)
        return
    try:
        result = await transition(sessions, code, "reject", person.staff.actor, clock(), reason=reason)
    except CareError as error:
        await message.answer(error.message_zh)
        return
    if not result.changed:
        await message.answer(texts.ALREADY.format(status=lifecycle.STATUS_LABELS[result.order.status]))
        return
    await message.answer(texts.REJECT_DONE.format(code=code))
    if data.get("order_message"):
        chat_id, message_id, text = data["order_message"]
        await _settle(bot, chat_id, message_id, text,
                      texts.REJECTED_BY.format(name=person.staff.name, reason=reason[:100]))


def router() -> Router:
    """A fresh router (a router can belong to one dispatcher only)."""
    router = Router(name="staff")
    router.callback_query.register(accept, OrderActionCallback.filter(F.action == "accept"))
    router.callback_query.register(reject, OrderActionCallback.filter(F.action == "reject"))
    router.message.register(reject_reason, StateFilter(RejectOrder.reason), F.text)
    return router
