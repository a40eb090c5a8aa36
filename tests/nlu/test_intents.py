"""Intents that matter most: emergencies now vs talk about a past or feared one, and the confusable pairs."""

from __future__ import annotations

import pytest

import nlu


@pytest.mark.parametrize("text", [
    "我摔倒了起不来", "救命 我妈倒在地上了", "胸口疼得厉害", "喘不上气", "家里闻到煤气味", "厨房着火了",
    "我爸突然嘴歪了说不出话", "老伴叫不醒了", "俺在厕所摔了 起不来", "我媽摔倒了 起不來",
])
def test_an_emergency_now_is_emergency(parse, text):
    assert parse(text).intent == "emergency"


@pytest.mark.parametrize("text", [
    "我去年摔过一跤", "要是摔倒了怎么办", "万一老人在家摔倒了怎么办", "我妈前年摔断过腿 现在好了",
    "怕我爸摔跤 有没有防摔的服务", "以前中过风", "老伴走了好几年了 我一个人过",
])
def test_talk_about_a_past_or_hypothetical_fall_is_not_emergency(parse, text):
    assert parse(text).intent != "emergency"


@pytest.mark.parametrize(("text", "intent"), [
    ("你好", "greet"), ("喂 有人吗", "greet"), ("再见", "goodbye"), ("没别的事了", "goodbye"),
    ("谢谢你啊", "thank"), ("麻烦你了", "thank"), ("对", "affirm"), ("是的", "affirm"), ("中", "affirm"),
    ("不对", "deny"), ("不用了", "deny"), ("我今年83岁", "inform"), ("住海州区", "inform"),
    ("再说一遍", "repeat"), ("没听清", "repeat"), ("转人工", "human_handoff"),
    ("我要找工作人员", "human_handoff"), ("我能申请政府购买服务吗", "ask_eligibility"),
    ("什么人能住家庭养老床位", "ask_eligibility"), ("高龄津贴一个月多少", "ask_subsidy"),
    ("尊老金怎么领", "ask_subsidy"), ("家庭养老床位是什么", "ask_policy"), ("助餐点覆盖多少社区", "ask_policy"),
    ("明天中午送一份饭", "book_meal"), ("我要订餐", "book_meal"), ("想给老人洗个澡", "book_bath"),
    ("预约助浴", "book_bath"), ("派人上门看看我爸", "book_home_visit"), ("打扫卫生", "book_home_visit"),
    ("明天的饭不要了", "cancel_order"), ("取消助浴", "cancel_order"), ("饭什么时候送到", "check_order"),
    ("我订了什么", "check_order"), ("改到后天", "modify_order"), ("改成两份", "modify_order"),
    ("饭是凉的", "complain"), ("说好来的人没来", "complain"), ("今天天气怎么样", "out_of_scope"),
    ("讲个笑话", "out_of_scope"),
])
def test_contract_examples_get_their_intent(parse, text, intent):
    assert parse(text).intent == intent


@pytest.mark.parametrize(("text", "intent"), [
    ("我想预约主餐", "book_meal"), ("预约住浴", "book_bath"), ("俺想订个饭 中不中", "book_meal"),
    ("嗯 那个 就是 明天 中午 送个饭", "book_meal"), ("高齡津貼一個月多少錢", "ask_subsidy"),
    ("尊老金咋领啊", "ask_subsidy"),
])
def test_speech_errors_dialect_and_traditional_characters(parse, text, intent):
    assert parse(text).intent == intent


def test_gibberish_falls_back_to_out_of_scope(parse):
    for text in ("qwzx", "😀😀😀", "%%%###", "\x00\x01"):
        assert parse(text).intent == "out_of_scope", text


def test_fallback_threshold_is_documented_and_sane():
    assert 0.0 < nlu.FALLBACK_THRESHOLD < nlu.CONFIRM_THRESHOLD < 1.0


def test_confidence_is_calibrated_on_the_held_out_set(model):
    """Among parses above the confirm threshold, the share that is right is at least that threshold."""
    from nlu.evaluate import load_test

    data, ref = load_test()
    confident = [(model.parse(e.text, ref), e.intent) for e in data.examples]
    sure = [(p, gold) for p, gold in confident if p.confidence >= nlu.CONFIRM_THRESHOLD]
    assert len(sure) >= 0.8 * len(confident)
    assert sum(p.intent == gold for p, gold in sure) / len(sure) >= 0.95


def test_training_is_deterministic(model):
    """Two trainings on the same data (here a 15-per-intent slice, for speed) give the same model."""
    from collections import defaultdict

    from nlu.model import NLU
    from nlu.rasa_yaml import TrainingData

    per_intent = defaultdict(list)
    for ex in model.data.examples:
        per_intent[ex.intent].append(ex)
    data = TrainingData([e for exs in per_intent.values() for e in exs[:15]], model.data.synonyms,
                        model.data.lookups, model.data.regexes)
    a, b = NLU(data), NLU(data)
    assert a.model.classes == b.model.classes == sorted(nlu.INTENTS)
    assert a.model.vocab == b.model.vocab
    assert abs(a.model.weights - b.model.weights).max() < 1e-9
    assert a.model.temperature == b.model.temperature
