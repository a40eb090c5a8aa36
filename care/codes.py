"""Order codes: short numbers to read aloud, derived from the order id (no extra column, no collision).

The first 900 000 orders get six digits, a fixed permutation of 100000–999999, so neighbouring
orders do not get neighbouring codes; later orders append the thousands block.
"""

from __future__ import annotations

_SPACE = 900_000
_MULTIPLIER = 7_927  # coprime with 900 000, so the mapping is a bijection
_OFFSET = 389_117
_INVERSE = pow(_MULTIPLIER, -1, _SPACE)


def encode(order_id: int) -> str:
    if order_id < 0:
        raise ValueError("order ids are not negative")
    block, n = divmod(order_id, _SPACE)
    return str(100_000 + (n * _MULTIPLIER + _OFFSET) % _SPACE) + (str(block) if block else "")


def decode(code: str) -> int | None:
    """The order id of a code, or None for anything that is not a code we issue."""
    code = code.strip()
    if len(code) < 6 or not code.isascii() or not code.isdigit() or code[0] == "0":
        return None
    head, tail = int(code[:6]), code[6:]
    if tail and (tail[0] == "0" or len(tail) > 9):
        return None
    n = ((head - 100_000 - _OFFSET) * _INVERSE) % _SPACE
    return (int(tail) if tail else 0) * _SPACE + n
