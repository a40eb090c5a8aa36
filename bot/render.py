"""Turning the assistant's replies into Telegram messages, and the assistant seam itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from assistant.types import Reply, Turn
from bot import texts
from bot.identity import Person
from bot.keyboards import main_menu, options_keyboard

MAX_TEXT = 4000  # Telegram allows 4096 characters per message
LIVE_OPTIONS = "live_options"
"""FSM data key: ids of the messages whose option buttons may still be pressed (the latest turn's)."""


class AssistantLike(Protocol):
    """The conversation core (``assistant.Assistant``), as the bot uses it."""

    async def handle(self, turn: Turn) -> list[Reply]: ...


def chunks(text: str, size: int = MAX_TEXT) -> list[str]:
    """Split a long text at line ends where possible."""
    text = text.strip() or texts.NO_ANSWER
    parts: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        cut = cut if cut > size // 2 else size
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n")
    parts.append(text)
    return parts


async def send_replies(bot: Bot, chat_id: int, replies: Sequence[Reply], state: FSMContext | None) -> list[Message]:
    """Send each reply; options become inline buttons under its last part, other replies carry the
    main menu. The option messages of this turn become the only ones whose buttons still work."""
    sent: list[Message] = []
    live: list[int] = []
    for reply in replies or [Reply(texts.NO_ANSWER)]:
        parts = chunks(reply.text)
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            markup = (options_keyboard(reply.options) if reply.options else main_menu()) if last else None
            message = await bot.send_message(chat_id, part, reply_markup=markup)
            sent.append(message)
            if last and reply.options:
                live.append(message.message_id)
    if state is not None:
        await state.update_data({LIVE_OPTIONS: live})
    return sent


async def ask_assistant(assistant: AssistantLike, person: Person, now: datetime, *, text: str | None = None,
                        dtmf: str | None = None) -> list[Reply]:
    return await assistant.handle(Turn(channel="telegram", user=person.user, at=now, text=text, dtmf=dtmf))
