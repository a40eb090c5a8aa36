"""The public API and the Rasa-shaped result of CONTRACTS section 2."""

from __future__ import annotations

from datetime import date

import nlu
from nlu import Entity, Parse


def test_contract_example_parses_exactly_as_documented():
    p = nlu.parse("明天中午给我妈送两份饭", reference_date=date(2026, 11, 26))
    assert isinstance(p, Parse)
    assert p.intent == "book_meal"
    assert [(e.entity, e.value, e.start, e.end, e.text) for e in p.entities] == [
        ("date", "2026-11-27", 0, 2, "明天"),
        ("meal", "lunch", 2, 4, "中午"),
        ("relation", "mother", 5, 7, "我妈"),
        ("quantity", "2", 8, 10, "两份"),
        ("service", "meal", 10, 11, "饭"),
    ]


def test_to_rasa_has_exactly_the_rasa_keys(parse):
    d = parse("明天中午给我妈送两份饭").to_rasa()
    assert set(d) == {"text", "intent", "intent_ranking", "entities"}
    assert d["text"] == "明天中午给我妈送两份饭"
    assert set(d["intent"]) == {"name", "confidence"}
    assert d["intent"]["name"] == "book_meal"
    assert all(set(r) == {"name", "confidence"} for r in d["intent_ranking"])
    assert d["intent_ranking"][0]["name"] == "book_meal"
    assert all(set(e) == {"entity", "value", "start", "end", "text"} for e in d["entities"])
    assert all(isinstance(e["value"], str) for e in d["entities"])


def test_ranking_is_sorted_probabilities_over_known_intents(parse):
    p = parse("我想问问高龄津贴怎么领")
    confidences = [c for _, c in p.ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0.0 <= c <= 1.0 for c in confidences)
    assert {name for name, _ in p.ranking} <= set(nlu.INTENTS)
    assert p.confidence == p.ranking[0][1]


def test_entity_helper_returns_first_value_or_none(parse):
    p = parse("明天中午给我妈送两份饭")
    assert p.entity("date") == "2026-11-27"
    assert p.entity("quantity") == "2"
    assert p.entity("region") is None


def test_model_classes_are_exactly_the_twenty_contract_intents(model):
    assert sorted(model.model.classes) == sorted(nlu.INTENTS)
    assert len(nlu.INTENTS) == 20


def test_load_returns_a_reusable_model_with_the_same_answers(model):
    again = nlu.load()
    text = "后天上午给我爸约个助浴"
    a, b = model.parse(text, date(2026, 11, 26)), again.parse(text, date(2026, 11, 26))
    assert a.to_rasa() == b.to_rasa()


def test_empty_input_is_out_of_scope_without_entities(parse):
    for text in ("", "   ", "\n"):
        p = parse(text)
        assert p.intent == "out_of_scope"
        assert p.entities == []


def test_entity_is_a_plain_value_type():
    e = Entity("date", "2026-11-27", 0, 2, "明天")
    assert e.to_rasa() == {"entity": "date", "value": "2026-11-27", "start": 0, "end": 2, "text": "明天"}
