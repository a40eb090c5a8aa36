"""/start (with or without a linking code), /link CODE, a bare 8-digit code, and /id."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message

from bot import texts
from bot.identity import Person, link_by_code, linked_elder_names
from bot.keyboards import main_menu
from care.db import SessionFactory
from care.errors import CareError

CODE = re.compile(r"^\s*(\d[\d\s-]{6,14}\d)\s*$")


def link_code_in(text: str | None) -> str | None:
    """'12345678', '1234 5678', '1234-5678' → '12345678'; anything else → None."""
    match = CODE.match(text or "")
    digits = re.sub(r"\D", "", match.group(1)) if match else ""
    return digits if len(digits) == 8 else None


async def _link(message: Message, code: str, sessions: SessionFactory, clock: Callable[[], datetime]) -> None:
    assert message.from_user is not None
    try:
        elder, relation = await link_by_code(sessions, message.from_user, code, clock())
    except CareError as error:
        await message.answer(error.message_zh + "\n" + texts.LINK_CODE_HELP, reply_markup=main_menu())
        return
    await message.answer(texts.LINKED.format(elder=elder.name, relation=texts.RELATIONS.get(relation, "家人")),
                         reply_markup=main_menu())


async def start_with_code(message: Message, command: CommandObject, sessions: SessionFactory,
                          clock: Callable[[], datetime], person: Person) -> None:
    code = link_code_in(command.args)
    if code is None:
        await start(message, sessions, person)
        return
    await _link(message, code, sessions, clock)


async def start(message: Message, sessions: SessionFactory, person: Person) -> None:
    if person.staff is not None:
        await message.answer(texts.WELCOME_STAFF.format(name=person.staff.name,
                                                        station=person.staff.station_name or "全部服务站"))
    elders = await linked_elder_names(sessions, person.family_id) if person.family_id is not None else []
    if elders:
        await message.answer(texts.WELCOME_LINKED.format(name=person.family_name, elders="、".join(elders)),
                             reply_markup=main_menu())
    elif person.staff is None:
        await message.answer(texts.WELCOME_NEW, reply_markup=main_menu())


async def link_command(message: Message, command: CommandObject, sessions: SessionFactory,
                       clock: Callable[[], datetime]) -> None:
    code = link_code_in(command.args)
    if code is None:
        await message.answer(texts.LINK_CODE_HELP, reply_markup=main_menu())
        return
    await _link(message, code, sessions, clock)


async def bare_code(message: Message, code: str, sessions: SessionFactory, clock: Callable[[], datetime]) -> None:
    await _link(message, code, sessions, clock)


async def my_id(message: Message, person: Person) -> None:
    await message.answer(texts.YOUR_TELEGRAM_ID.format(telegram_id=person.telegram_id))


def router() -> Router:
    """A fresh router (a router can belong to one dispatcher only)."""
    router = Router(name="linking")
    router.message.filter(F.chat.type == "private")
    router.message.register(start_with_code, CommandStart(deep_link=True))
    router.message.register(start, CommandStart())
    router.message.register(link_command, Command("link", "bind"))
    router.message.register(bare_code, F.text.func(link_code_in).as_("code"))
    router.message.register(my_id, Command("id"))
    return router
