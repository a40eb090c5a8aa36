"""A pressed option button: ``Turn(dtmf=key)``. Only the latest turn's buttons work, and each set
works once, so a double tap or an old button never answers a question twice."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import datetime

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot import texts
from bot.callbacks import OptionCallback
from bot.identity import Person
from bot.keyboards import pressed_label
from bot.render import LIVE_OPTIONS, AssistantLike, ask_assistant, send_replies


async def option_pressed(callback: CallbackQuery, callback_data: OptionCallback, bot: Bot, assistant: AssistantLike,
                         person: Person, state: FSMContext, clock: Callable[[], datetime]) -> None:
    message = callback.message
    live: list[int] = (await state.get_data()).get(LIVE_OPTIONS, [])
    if not isinstance(message, Message) or message.message_id not in live:
        await callback.answer(texts.BUTTON_EXPIRED)
        if isinstance(message, Message):
            with suppress(TelegramBadRequest):
                await message.edit_reply_markup(reply_markup=None)
        return
    await state.update_data({LIVE_OPTIONS: []})
    await callback.answer()
    label = pressed_label(message.reply_markup, callback.data or "") or callback_data.key
    with suppress(TelegramBadRequest):  # the buttons go, the choice stays visible
        await message.edit_text(f"{message.text or ''}\n\n{texts.CHOSEN.format(label=label)}", reply_markup=None)
    replies = await ask_assistant(assistant, person, clock(), dtmf=callback_data.key)
    await send_replies(bot, message.chat.id, replies, state)


def router() -> Router:
    """A fresh router (a router can belong to one dispatcher only)."""
    router = Router(name="options")
    router.callback_query.register(option_pressed, OptionCallback.filter())
    return router
