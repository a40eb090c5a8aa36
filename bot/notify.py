"""Sending outbox notifications through the bot: the ``send`` of ``integrations.outbox.TelegramDeliverer``.

The worker picks the chats (a station's staff with a Telegram id, a family member who linked Telegram)
and the text (``assistant.notices.notice``); this adds what only the bot knows: a new order
(``order.pending``) reaches station staff with 接单 / 拒绝 buttons (``bot.routers.staff`` handles them).

    from integrations.outbox import OutboxWorker, TelegramDeliverer
    worker = OutboxWorker(sessions, [TelegramDeliverer(send=TelegramSender(bot), render=notice)])

A chat that blocked the bot or no longer exists is logged and passed over (retrying cannot help and
would repeat the message to the station's other chats); any other failure raises, so the worker retries.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError

from bot.keyboards import order_keyboard
from care.models import Outbox

log = logging.getLogger(__name__)
GONE = ("chat not found", "user is deactivated", "bot was blocked", "bot was kicked")


class TelegramSender:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def __call__(self, chat_id: int, text: str, row: Outbox) -> None:
        markup = None
        if row.recipient_type == "station" and row.topic == "order.pending" and row.payload.get("order"):
            markup = order_keyboard(str(row.payload["order"]))
        try:
            await self.bot.send_message(chat_id, text, reply_markup=markup)
        except (TelegramForbiddenError, TelegramBadRequest) as error:
            if isinstance(error, TelegramBadRequest) and not any(g in error.message.lower() for g in GONE):
                raise
            log.warning("outbox %s: telegram chat %s is gone (%s); passed over", row.id, chat_id, error.message)
