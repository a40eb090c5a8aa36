"""Any Unicode string up to 10 000 characters parses, quickly, with offsets that slice the original."""

from __future__ import annotations

import json
import time
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nlu

# Domain words mixed into random text so that entities are actually found and their offsets tested.
DOMAIN = ["明天", "下周三", "12月3号", "中午", "下午三点", "两份", "我妈", "连云港", "低保边缘", "半失能", "助餐补贴",
          "一个人住", "八十三岁", "少盐", "助浴", "陪诊", "後天", "１２月５號", "主餐", "住浴", "摔倒了", "三点半"]

pieces = st.one_of(st.text(max_size=20), st.sampled_from(DOMAIN),
                   st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "So", "Cs", "Co"]), max_size=5))
utterances = st.lists(pieces, max_size=30).map("".join)


def check(p: nlu.Parse, text: str) -> None:
    assert p.text == text
    assert p.intent in nlu.INTENTS
    assert 0.0 <= p.confidence <= 1.0
    for e in p.entities:
        assert 0 <= e.start < e.end <= len(text)
        assert text[e.start : e.end] == e.text
        assert isinstance(e.value, str) and e.value
    json.dumps(p.to_rasa(), ensure_ascii=False)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(utterances, st.dates())
def test_any_text_parses_and_offsets_slice_the_original(model, text, ref):
    check(model.parse(text, ref), text)


long_texts = st.tuples(st.lists(pieces, min_size=1, max_size=10).map("".join).filter(bool),
                       st.integers(5_000, 10_000)).map(lambda t: (t[0] * (t[1] // len(t[0]) + 1))[: t[1]])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(long_texts)
def test_long_random_text_parses_in_bounded_time(model, text):
    t0 = time.perf_counter()
    p = model.parse(text, date(2026, 11, 26))
    assert time.perf_counter() - t0 < 2.0
    check(p, text)


def test_ten_thousand_characters_of_domain_text_parse_in_bounded_time(model):
    text = ("明天中午给我妈送两份饭 下午三点 低保边缘 連雲港 " * 400)[:10_000]
    t0 = time.perf_counter()
    p = model.parse(text, date(2026, 11, 26))
    assert time.perf_counter() - t0 < 2.0
    check(p, text)
    assert len(p.entities) > 100


def test_surrogates_and_astral_characters_keep_offsets(model):
    text = "😀明天\ud800中午𠀋送饭\x00两份"
    p = model.parse(text, date(2026, 11, 26))
    check(p, text)
    assert ("date", "明天") in [(e.entity, e.text) for e in p.entities]


def test_dates_at_the_ends_of_the_calendar_do_not_crash(model):
    for ref in (date.min, date.max):
        text = "昨天 明天 下下周日 12月31号 大后天 周末 周六到周一"
        check(model.parse(text, ref), text)
