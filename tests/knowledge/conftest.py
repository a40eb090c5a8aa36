"""Shared fixtures: the shipped knowledge base, judged on a fixed day (2026-11-26, Asia/Shanghai)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from knowledge import KnowledgeBase

TODAY = date(2026, 11, 26)
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load(clock=lambda: TODAY)


@pytest.fixture(scope="session")
def questions() -> dict:
    return yaml.safe_load((HERE / "questions.yaml").read_text(encoding="utf-8"))
