"""Callback-data factories: what a pressed inline button carries back (at most 64 bytes)."""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData


class OptionCallback(CallbackData, prefix="opt"):
    """One of the options of an assistant ``Reply``; pressing it sends ``Turn(dtmf=key)``."""

    key: str


class OrderActionCallback(CallbackData, prefix="ord"):
    """A station's answer to a new order (accept or reject), pressed in a staff chat."""

    code: str
    action: Literal["accept", "reject"]
