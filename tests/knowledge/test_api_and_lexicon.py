"""The HTTP bodies of /api/ask and /api/eligibility, and the shared synonym lexicon's format."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge import InvalidRequest
from knowledge.api import ask_json, eligibility_json
from tests.knowledge.conftest import TODAY

LEXICON = Path(__file__).resolve().parents[2] / "nlu" / "data" / "lexicon" / "synonyms.yml"


def test_ask_body(kb) -> None:
    d = ask_json(kb, {"question": "启东家庭养老床位要建多少张", "region": None}, today=TODAY)
    assert d["citations"][0]["clause"] == "二(二)5" and "580张" in d["answer"]


def test_eligibility_body(kb) -> None:
    d = eligibility_json(kb, {"region": "启东市", "profile": {"priority_care": True}}, today=TODAY)
    assert {b["benefit"]: b["status"] for b in d["benefits"]}["priority_admission"] == "eligible"


@pytest.mark.parametrize(
    ("call", "body"),
    [
        (ask_json, []),
        (ask_json, {"question": 5}),
        (ask_json, {"question": "高龄津贴", "region": 3}),
        (eligibility_json, {"profile": {}}),
        (eligibility_json, {"region": "启东市", "profile": "old"}),
        (eligibility_json, {"region": "启东市", "profile": {"economic": "rich"}}),
    ],
)
def test_malformed_bodies_raise_invalid_request(kb, call, body) -> None:
    with pytest.raises(InvalidRequest):
        call(kb, body, today=TODAY)


def test_the_synonym_lexicon_keeps_its_format() -> None:
    data = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))
    assert set(data) == {"synonyms"}
    seen: dict[str, str] = {}
    for canonical, variants in data["synonyms"].items():
        assert isinstance(canonical, str) and isinstance(variants, list) and variants
        for form in (canonical, *variants):
            assert isinstance(form, str) and form.strip() == form and form
            assert form not in seen, f"{form} is under both {seen[form]} and {canonical}"
            seen[form] = canonical


@pytest.mark.parametrize(
    ("said", "canonical"),
    [("尊老金", "高龄津贴"), ("洗澡", "助浴"), ("送饭", "助餐"), ("家庭养老床位", "家庭养老照护床位")],
)
def test_the_lexicon_says_what_the_brief_says(said: str, canonical: str) -> None:
    from nlu.lexicon import synonyms

    assert said in synonyms()[canonical]
