"""Keyboards: the persistent main menu, the options of a reply, a new order's accept/reject buttons."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram.types import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from assistant.types import Option
from bot import texts
from bot.callbacks import OptionCallback, OrderActionCallback


def main_menu() -> ReplyKeyboardMarkup:
    """Six large buttons, two per row, that stay under the input field."""
    rows = [list(texts.MENU[i:i + 2]) for i in range(0, len(texts.MENU), 2)]
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=label) for label in row] for row in rows],
        resize_keyboard=True, is_persistent=True, input_field_placeholder=texts.MENU_PLACEHOLDER,
    )


def options_keyboard(options: Iterable[Option]) -> InlineKeyboardMarkup:
    """One option per row: wide buttons are easier to hit."""
    builder = InlineKeyboardBuilder()
    for option in options:
        builder.button(text=option.label, callback_data=OptionCallback(key=option.key))
    builder.adjust(1)
    return builder.as_markup()


def order_keyboard(code: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=texts.ACCEPT_LABEL, callback_data=OrderActionCallback(code=code, action="accept"))
    builder.button(text=texts.REJECT_LABEL, callback_data=OrderActionCallback(code=code, action="reject"))
    builder.adjust(2)
    return builder.as_markup()


def pressed_label(markup: InlineKeyboardMarkup | None, data: str) -> str | None:
    """The label of the button of ``markup`` whose callback data is ``data``."""
    for row in (markup.inline_keyboard if markup else []):
        for button in row:
            if button.callback_data == data:
                return button.text
    return None
