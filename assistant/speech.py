"""Turning a written reply into what the phone should say: numbers as words, codes digit by digit."""

from __future__ import annotations

import re

import cn2an

DIGITS = "零幺二三四五六七八九"
# A number followed by one of these is a quantity and read as a number (60元 → 六十元);
# any other number (a phone number, 120, an order code) is read digit by digit.
_COUNTED = "元份岁点月日号个次天年位人分"
_NUMBER = re.compile(rf"(\d+(?:\.\d+)?)(?=[{_COUNTED}])|\d+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_BRACKETS = re.compile(r"[（(]([^）)]*)[）)]")


def _digits(number: str) -> str:
    return "".join(DIGITS[int(d)] if d.isdigit() else "点" for d in number)


def _read(match: re.Match[str]) -> str:
    counted = match.group(1)
    if (counted is not None and len(counted.split(".")[0]) <= 4) or len(match.group(0)) == 1:
        return cn2an.an2cn(match.group(0))  # 5元 → 五元, 按1 → 按一
    return _digits(match.group(0))


def to_speech(text: str) -> str:
    """'单号497044，每份5元（少盐）' → '单号四九七零四四，每份五元，少盐，'."""
    text = _ISO_DATE.sub(lambda m: f"{int(m.group(2))}月{int(m.group(3))}日", text)
    text = _BRACKETS.sub(lambda m: f"，{m.group(1)}，", text)
    text = text.replace("“", "").replace("”", "").replace("《", "").replace("》", "")
    return _NUMBER.sub(_read, text)
