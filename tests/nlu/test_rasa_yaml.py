"""Rasa 3 YAML reading: annotations, synonyms, lookups, regexes, metadata comments."""

from __future__ import annotations

from nlu.model import training_files
from nlu.rasa_yaml import load, load_text, parse_example

DOC = '''version: "3.1"
# reference_date: 2026-11-26
nlu:
- intent: book_meal
  examples: |
    - [明天](date)[中午](meal:lunch)给[我妈]{"entity": "relation", "value": "mother"}送饭
    - 订餐
- synonym: mother
  examples: |
    - 我妈
- lookup: relation
  examples: |
    - 我妈
- regex: living.alone
  examples: |
    - 一个人住
'''


def test_annotations_in_all_three_forms_become_offsets_into_plain_text():
    ex = parse_example('[明天](date)[中午](meal:lunch)给[我妈]{"entity": "relation", "value": "mother"}送饭', "x")
    assert ex.text == "明天中午给我妈送饭"
    assert [(a.entity, a.value, ex.text[a.start : a.end]) for a in ex.entities] == [
        ("date", None, "明天"), ("meal", "lunch", "中午"), ("relation", "mother", "我妈")]


def test_blocks_are_read():
    data = load_text(DOC)
    assert [e.text for e in data.examples] == ["明天中午给我妈送饭", "订餐"]
    assert data.synonyms == {"我妈": "mother"}
    assert data.lookups == {"relation": ["我妈"]}
    assert data.regexes == {"living.alone": ["一个人住"]}
    assert data.metadata["reference_date"] == "2026-11-26"


def test_shipped_training_data_is_valid_and_uses_only_contract_names():
    import nlu

    data = load(training_files())
    assert set(data.intents) == set(nlu.INTENTS)
    for ex in data.examples:
        for a in ex.entities:
            assert a.entity in nlu.ENTITIES, (ex.text, a.entity)
    assert set(data.lookups) <= set(nlu.ENTITIES)
    assert {name.partition(".")[0] for name in data.regexes} <= set(nlu.ENTITIES)
