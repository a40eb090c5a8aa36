"""Questions written fresh in four rounds (A, B, C, D), each measured before anything was changed for it
(docs/knowledge.md "Measured"); kept so the suite guards what they taught. Same bars as questions.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.query import normalize_question
from tests.knowledge.measure import honest, measure

HERE = Path(__file__).resolve().parent
ROUNDS = ["questions_fresh_a.yaml", "questions_fresh_b.yaml", "questions_fresh_c.yaml", "questions_fresh_d.yaml"]


@pytest.fixture(scope="module", params=ROUNDS)
def round_(request) -> dict:
    return yaml.safe_load((HERE / request.param).read_text(encoding="utf-8"))


def test_each_round_is_big_enough(round_) -> None:
    assert len(round_["answerable"]) >= 20 and len(round_["unanswerable"]) >= 6


def test_each_round_meets_the_targets(kb, round_) -> None:
    m = measure(kb, round_)
    assert m["hit@1"] >= 0.85 and m["hit@3"] >= 0.95, m
    assert m["facts"] >= 0.95, m


def test_each_rounds_unanswerable_questions_are_answered_honestly(kb, round_) -> None:
    from tests.knowledge.conftest import TODAY

    for item in round_["unanswerable"]:
        a = kb.ask(item["q"], item.get("region"), today=TODAY)
        assert honest(a), (item["q"], a.answer)


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("中不中给俺娘配个紧急呼叫器", "能不能给我娘配个紧急呼叫器"),   # dialect
        ("灌云的留守老人信息录不录平台", "灌云的留守老人信息录平台"),     # A不A
        ("家庭病床的钱医保给报不", "家庭病床的钱医保给报销吗"),           # final 不, 报 = 报销
        ("住浴服务谁来提供", "助浴服务谁来提供"),                         # speech recognition homophone
        ("给困难老人的主餐服务", "给困难老人的助餐服务"),
        ("南昌每千个老人有几张床位", "南昌每千名老人有几张床位"),
        ("尊老金咋领", "尊老金怎么领"),
        ("空巢老人每个星期有人打电话吗", "空巢老人每周有人打电话吗"),
        ("能不能享受", "能不能享受"),                                     # question words stay
    ],
)
def test_questions_are_read_the_way_documents_say_it(said: str, meant: str) -> None:
    assert normalize_question(said) == meant


@pytest.mark.parametrize(
    ("question", "region", "clause"),
    [
        ("俺们海州的老人65了，每年能免费查一次身体不", None, "四(七)19"),   # a count inside a term
        ("我妈一个人住，没什么收入，政府能不能出钱请人照顾她", None, "四(二)5"),  # person + benefit → rules' clause
        ("民办养老服务发展的彩票公益金不低于多少", None, "三(三)"),         # coverage beats a repeated heading
        ("老年人权益被侵害了找谁", "启东市", "二(六)18"),                   # the offices responsible
        ("启东的护理型床位到十四五末占多少", None, "二(二)5"),             # 十四五 is a plan, not 14五
    ],
)
def test_general_rules_reach_the_right_clause(kb, question: str, region: str | None, clause: str) -> None:
    from tests.knowledge.conftest import TODAY

    assert kb.ask(question, region, today=TODAY).citations[0].clause == clause


@pytest.mark.parametrize(
    "question",
    ["俺娘住院能报多少", "灌云县养老院哪家好", "海州区哪家养老院好", "海州区民政局电话多少",
     "俺爹想去养老院，要排多久的队", "老人办残疾证去哪办", "俺娘去安宁养老院一个月得花多少"],
)
def test_near_misses_stay_honest(kb, question: str) -> None:
    from tests.knowledge.conftest import TODAY

    a = kb.ask(question, today=TODAY)
    assert honest(a), a.answer


def test_a_count_asked_with_its_unit_is_answered_in_that_unit(kb) -> None:
    from tests.knowledge.conftest import TODAY

    a = kb.ask("南昌建的社区养老服务站有多少张床", today=TODAY)
    assert "10-20张床位" in a.answer and "42个" not in a.answer
