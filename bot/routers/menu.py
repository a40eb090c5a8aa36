"""The main menu and free text: whatever a family member types (or a menu button sends) goes to the
assistant as ``Turn(text=...)``; this router is the catch-all, included last."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot import texts
from bot.identity import Person
from bot.keyboards import main_menu
from bot.render import AssistantLike, ask_assistant, send_replies


async def show_menu(message: Message) -> None:
    await message.answer(texts.MENU_HINT, reply_markup=main_menu())


async def free_text(message: Message, bot: Bot, assistant: AssistantLike, person: Person, state: FSMContext,
                    clock: Callable[[], datetime]) -> None:
    assert message.text is not None
    await bot.send_chat_action(message.chat.id, "typing")
    replies = await ask_assistant(assistant, person, clock(), text=message.text.strip()[:500])
    await send_replies(bot, message.chat.id, replies, state)


async def not_text(message: Message) -> None:
    await message.answer(texts.ONLY_TEXT, reply_markup=main_menu())


def router() -> Router:
    """A fresh router (a router can belong to one dispatcher only)."""
    router = Router(name="menu")
    router.message.filter(F.chat.type == "private")
    router.message.register(show_menu, Command("menu", "help"))
    router.message.register(free_text, F.text)
    router.message.register(not_text)
    return router
