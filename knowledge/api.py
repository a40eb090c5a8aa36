"""The JSON bodies of ``POST /api/ask`` and ``POST /api/eligibility`` (CONTRACTS §3, §4), for any transport.

    from knowledge.api import ask_json, eligibility_json
    ask_json(kb, {"question": "尊老金怎么领", "region": "启东市"})         # → dict of §3
    eligibility_json(kb, {"region": "连云港市", "profile": {"age": 83}})   # → dict of §4

A malformed body raises ``InvalidRequest`` (a ``ValueError``) with a Chinese message: answer 400 with it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from knowledge.base import KnowledgeBase
from knowledge.errors import InvalidRequest


def _body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidRequest("请求体应当是一个 JSON 对象")
    return body


def ask_json(kb: KnowledgeBase, body: Any, today: date | None = None) -> dict[str, Any]:
    body = _body(body)
    question, region = body.get("question"), body.get("region")
    if not isinstance(question, str):
        raise InvalidRequest("question 应当是一句话（字符串）")
    if region is not None and not isinstance(region, str):
        raise InvalidRequest("region 应当是地区名称（字符串）或 null")
    return kb.ask(question, region or None, today=today).to_dict()


def eligibility_json(kb: KnowledgeBase, body: Any, today: date | None = None) -> dict[str, Any]:
    body = _body(body)
    region, profile = body.get("region"), body.get("profile", {})
    if not isinstance(region, str):
        raise InvalidRequest("region 应当是地区名称（字符串），例如 连云港市")
    if profile is None:
        profile = {}
    return kb.eligibility(region, profile, today=today).to_dict()
