"""Logs never carry a full phone or ID number."""

from __future__ import annotations

import logging

from eldercare.logging import MaskingFormatter, mask_personal


def test_phone_and_id_numbers_are_masked() -> None:
    text = ("老人13800000001，身份证号320703194305121234，另一张32070319430512123X，"
            "座机0518-85230001，卡号6222021234567890")
    masked = mask_personal(text)
    assert "13800000001" not in masked and "138****0001" in masked
    assert "320703194305121234" not in masked and "320703********1234" in masked
    assert "32070319430512123X" not in masked and "320703********123X" in masked
    assert "85230001" not in masked and "6222021234567890" not in masked


def test_phone_numbers_written_with_spaces_or_dashes_are_masked_too() -> None:
    assert mask_personal("电话138-0000-0001或138 0000 0002") == "电话138****0001或138****0002"


def test_text_without_personal_numbers_is_untouched() -> None:
    text = "订单497044已接单，2026-11-27 午餐 2份，60元"
    assert mask_personal(text) == text


def test_the_log_formatter_masks_arguments_too() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "call from %s", ("13900000002",), None)
    assert "139****0002" in MaskingFormatter("%(message)s").format(record)
