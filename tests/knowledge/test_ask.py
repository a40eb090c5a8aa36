"""Policy answers (CONTRACTS section 3): found, quoted verbatim, honest when the documents are silent."""

from __future__ import annotations

import re
from datetime import date

import pytest

from knowledge import InvalidRequest
from tests.knowledge.conftest import TODAY

SPOKEN_LIMIT = 200  # characters: a short answer read aloud in well under a minute
NO_ANSWER_HINTS = ("民政局", "12349")


def _run(kb, questions):
    rows = []
    for item in questions["answerable"]:
        a = kb.ask(item["q"], item.get("region"), today=TODAY)
        gold = {tuple(g) for g in item["gold"]}
        cites = [(c.doc_id, c.clause) for c in a.citations]
        rows.append((item, a, bool(cites) and cites[0] in gold, any(c in gold for c in cites[:3])))
    return rows


@pytest.fixture(scope="module")
def results(kb, questions):
    return _run(kb, questions)


def test_the_question_set_is_big_enough(questions) -> None:
    assert len(questions["answerable"]) >= 40
    assert len(questions["unanswerable"]) >= 10


def test_hit_at_1_and_hit_at_3(results) -> None:
    n = len(results)
    hit1 = sum(r[2] for r in results) / n
    hit3 = sum(r[3] for r in results) / n
    misses = [(r[0]["q"], [(c.doc_id, c.clause) for c in r[1].citations]) for r in results if not r[2]]
    assert hit1 >= 0.85, (hit1, misses)
    assert hit3 >= 0.95, (hit3, misses)


def test_answers_contain_the_gold_facts(results) -> None:
    wrong = [(r[0]["q"], r[1].answer) for r in results if not all(f in r[1].answer for f in r[0].get("facts", []))]
    assert len(wrong) <= len(results) * 0.05, wrong


def test_answers_are_short_enough_to_read_aloud(results) -> None:
    for item, a, *_ in results:
        assert len(a.answer) <= SPOKEN_LIMIT, (item["q"], len(a.answer))


def test_quotes_are_verbatim_from_the_cleaned_documents(kb, results) -> None:
    for _, a, *_ in results:
        for c in a.citations:
            assert c.quote in kb.by_id[c.doc_id].text
            assert c.quote in kb.clause(c.doc_id, c.clause).text


def test_every_figure_in_an_answer_is_in_its_quote(results) -> None:
    """Numbers and units exactly as the document has them; no figure from anywhere else."""
    for item, a, *_ in results:
        if not a.citations:
            continue
        spoken = re.sub(r"《[^》]*》", "", a.answer).split("不过，")[0]
        for figure in re.findall(r"\d+(?:\.\d+)?(?:%|元|张|家|次|名|个|岁|周岁|平方米)?", spoken):
            assert figure in a.citations[0].quote, (item["q"], figure, a.answer)


def test_unanswerable_questions_are_answered_honestly(kb, questions) -> None:
    for item in questions["unanswerable"]:
        a = kb.ask(item["q"], item.get("region"), today=TODAY)
        assert a.citations == [], (item["q"], a.answer)
        assert any(h in a.answer for h in NO_ANSWER_HINTS), item["q"]
        assert a.confidence < 0.5, item["q"]
        assert not re.search(r"\d+\s*元", a.answer), item["q"]


def test_contract_shape(kb) -> None:
    d = kb.ask("政府购买居家养老服务每人每月多少钱", "连云港市", today=TODAY).to_dict()
    assert list(d) == ["question", "region", "answer", "citations", "confidence"]
    assert d["region"] == "连云港市"
    assert 0.0 <= d["confidence"] <= 1.0
    c = d["citations"][0]
    assert set(c) == {"doc_id", "title", "doc_no", "region", "clause", "quote", "valid"}
    assert c == {
        "doc_id": "lianyungang-2020-24",
        "title": "连云港市居家和社区养老服务改革试点实施方案",
        "doc_no": "连政发〔2020〕24号",
        "region": "连云港市",
        "clause": "四(二)5",
        "quote": c["quote"],
        "valid": "在效",
    }
    assert "每人每月不低于60元" in c["quote"]
    assert "60元" in d["answer"]


def test_an_ended_pilot_is_said_so(kb) -> None:
    a = kb.ask("安宁农村老年互助食堂要建几家", today=TODAY)
    assert a.citations[0].valid == "试点期已过"
    assert "试点期" in a.answer and "结束" in a.answer


def test_validity_is_judged_on_the_day_given(kb) -> None:
    a = kb.ask("安宁农村老年互助食堂要建几家", today=date(2021, 6, 1))
    assert a.citations[0].valid == "在效"
    assert "结束" not in a.answer


def test_a_district_is_answered_from_its_city(kb) -> None:
    a = kb.ask("65岁以上的老人每年有免费体检吗", region="海州区", today=TODAY)
    assert a.region == "海州区"
    assert a.citations[0].region == "连云港市"


def test_the_region_filter_keeps_other_cities_out(kb) -> None:
    a = kb.ask("新建住宅区每百户要配多少平方米养老用房", region="连云港市", today=TODAY)
    assert {c.region for c in a.citations} == {"连云港市"}
    b = kb.ask("新建住宅区每百户要配多少平方米养老用房", region="启东市", today=TODAY)
    assert {c.region for c in b.citations} == {"启东市"}


def test_a_region_named_in_the_question_is_understood(kb) -> None:
    a = kb.ask("启东的尊老金要自己去申请吗", today=TODAY)
    assert a.region == "启东市"
    assert a.citations[0].clause == "二(一)3"


def test_synonyms_reach_the_documents_wording(kb) -> None:
    """尊老金 ≈ 高龄津贴; 家庭养老床位 ≈ 家庭养老照护床位; 送饭 ≈ 助餐."""
    assert kb.ask("安宁的尊老金落实了吗", today=TODAY).citations[0].clause == "五(三)"
    assert kb.ask("家庭养老床位要建多少张", region="启东市", today=TODAY).citations[0].clause == "二(二)5"


def test_a_figure_the_documents_do_not_give_is_not_invented(kb) -> None:
    a = kb.ask("启东的尊老金一个月发多少钱", today=TODAY)
    assert a.citations == []
    assert "没有写明" in a.answer and "12349" in a.answer


def test_a_known_region_without_documents_is_answered_honestly(kb) -> None:
    a = kb.ask("高龄津贴怎么领", region="江苏省", today=TODAY)
    assert a.citations == []
    assert "江苏省" in a.answer and "民政局" in a.answer


@pytest.mark.parametrize("bad", ["", "   ", "好" * 600])
def test_bad_questions_raise_invalid_request(kb, bad: str) -> None:
    with pytest.raises(InvalidRequest):
        kb.ask(bad, today=TODAY)


def test_an_unknown_region_raises_invalid_request(kb) -> None:
    with pytest.raises(ValueError, match="不认识的地区"):
        kb.ask("高龄津贴怎么领", region="火星市", today=TODAY)


def test_answers_are_deterministic(kb) -> None:
    a = kb.ask("经济困难的失能老人有护理补贴吗", "启东市", today=TODAY).to_dict()
    b = kb.ask("经济困难的失能老人有护理补贴吗", "启东市", today=TODAY).to_dict()
    assert a == b


def test_load_is_fast_the_second_time() -> None:
    import time

    from knowledge import KnowledgeBase

    KnowledgeBase.load()
    t = time.perf_counter()
    KnowledgeBase.load()
    assert time.perf_counter() - t < 0.05


def test_who_questions_are_answered_from_the_rules_sentence(kb) -> None:
    a = kb.ask("适老化改造谁能申请", region="连云港市", today=TODAY)
    assert a.citations[0].clause == "四(三)10"
    assert a.citations[0].quote == (
        "对所有纳入特困供养、建档立卡范围的高龄、失能、残疾老年人家庭,按照《无障碍设计规范》实施适老化改造。"
    )


def test_a_benefit_named_without_who_qualifies_is_said_so(kb) -> None:
    a = kb.ask("什么人能住家庭养老床位", today=TODAY)
    assert "没有写明哪些人可以享受" in a.answer and "12349" in a.answer
    assert a.citations[0].clause == "二(二)5"  # the clause that names it, so the person can look


@pytest.mark.parametrize(
    ("question", "state", "clause"),
    [("安宁的政策还有效吗", "已经结束", "四"), ("启东的文件还有效吗", "目前有效", "三(四)"),
     ("海州区的养老政策过期了没有", "目前有效", "前言")],
)
def test_is_it_still_in_force(kb, question: str, state: str, clause: str) -> None:
    a = kb.ask(question, today=TODAY)
    assert state in a.answer
    assert a.citations[0].clause == clause
