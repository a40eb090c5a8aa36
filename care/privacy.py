"""Personal numbers kept out of logs and error notes: phones and ID numbers are masked."""

from __future__ import annotations

import re

_ID_CARD = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?![\dXx])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})(?!\d)")  # also 138-0000-0001, 138 0000 0001
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)\d{4}(\d{3,4})(?!\d)")
_LONG_NUMBER = re.compile(r"(?<!\d)(\d{4})\d{4,}(\d{4})(?!\d)")


def mask_personal(text: str) -> str:
    """Mask ID numbers, mobile and landline phone numbers, and any other long digit run in free text."""
    text = _ID_CARD.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    text = _LANDLINE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    return _LONG_NUMBER.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
