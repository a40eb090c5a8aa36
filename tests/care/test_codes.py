"""Order codes are short, unique per order, and read back to the order they name."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from care import codes


def test_the_first_orders_get_six_digit_codes_that_do_not_run_in_sequence() -> None:
    first = [codes.encode(i) for i in range(1, 6)]
    assert all(len(c) == 6 and c.isdigit() for c in first)
    assert len(set(first)) == 5
    assert all(abs(int(a) - int(b)) > 1 for a, b in itertools.pairwise(first))


def test_six_digit_codes_are_a_one_to_one_mapping() -> None:
    sample = range(0, 900_000, 997)
    assert len({codes.encode(i) for i in sample}) == len(sample)


@given(st.integers(min_value=0, max_value=10**12))
def test_every_code_decodes_to_its_order(order_id: int) -> None:
    assert codes.decode(codes.encode(order_id)) == order_id


@given(st.text(max_size=20))
def test_anything_else_is_not_an_order_code_or_decodes_safely(text: str) -> None:
    decoded = codes.decode(text)
    assert decoded is None or codes.encode(decoded) == text.strip()


def test_obvious_non_codes_are_refused() -> None:
    for text in ("", "12345", "abcdef", "０１２３４５", "012345", "1234567890123456789"):
        assert codes.decode(text) is None
