"""Rules files are checked against the documents; a city loads its own documents and rules."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from knowledge import KnowledgeBase, RuleError
from knowledge.documents import ingest
from knowledge.eligibility import parse_rules
from tests.knowledge.conftest import TODAY

RULES_DIR = Path(__file__).resolve().parents[2] / "knowledge" / "rules"

CITY_HTML = """<html><head><title>某某</title><script>var x = 1;</script></head><body>
<div class="nav">首页 | 政务公开 | 设为首页</div>
<h1>滨江市人民政府办公室关于印发滨江市高龄津贴发放办法的通知</h1>
<p>滨政办发〔2025〕7号</p>
<p>各区人民政府，市各有关部门：</p>
<p>《滨江市高龄津贴发放办法》已经市政府同意，现印发给你们，请认真贯彻执行。</p>
<h2>第一条 为弘扬敬老传统，制定本办法。</h2>
<p>第二条 具有本市户籍、年满80周岁的老年人，按月发放高龄津贴。</p>
<p>第三条 80至89周岁每人每月100元，90至99周岁每人每月200元，100周岁及以上每人每月500元。</p>
<p>第四条 本办法自2025年1月1日起施行。</p>
<div>分享到：微信 微博</div><div>版权所有 滨江市人民政府</div>
</body></html>"""

CITY_RULES = {
    "region": "连云区",
    "benefits": [
        {
            "benefit": "longevity_allowance",
            "amount": "80至89周岁每人每月100元",
            "rules": [
                {
                    "doc": "binjiang-gaoling",
                    "clause": "第二条",
                    "quote": "具有本市户籍、年满80周岁的老年人，按月发放高龄津贴。",
                    "who": "本市户籍、年满80周岁的老年人",
                    "when": {"fact": "age", "gte": 80},
                }
            ],
        }
    ],
}


def test_every_shipped_rule_quote_is_verbatim_in_its_document(kb) -> None:
    assert kb.validate() == []


def test_every_seed_region_has_a_rules_file() -> None:
    assert sorted(p.stem for p in RULES_DIR.glob("*.yaml")) == sorted(["南昌市", "启东市", "安宁市", "连云港市"])


def test_the_validator_catches_a_quote_not_in_the_document(kb) -> None:
    data = yaml.safe_load((RULES_DIR / "连云港市.yaml").read_text(encoding="utf-8"))
    data["benefits"][0]["rules"][0]["quote"] = "为所有老年人每人每月提供100元"
    data["benefits"][0]["amount"] = "每人每月100元"
    bad = KnowledgeBase(kb.documents, [parse_rules(data)])
    problems = bad.validate()
    assert any("找不到原文" in p for p in problems)
    assert any("金额" in p for p in problems)


def test_the_validator_catches_a_wrong_clause(kb) -> None:
    data = yaml.safe_load((RULES_DIR / "启东市.yaml").read_text(encoding="utf-8"))
    data["benefits"][0]["rules"][0]["clause"] = "九(九)99"
    assert any("没有条款" in p for p in KnowledgeBase(kb.documents, [parse_rules(data)]).validate())


@pytest.mark.parametrize(
    "when",
    [{"fact": "income", "gte": 1}, {"fact": "living", "in": ["castle"]}, {"fact": "age", "is": True},
     {"ref": "nowhere"}, {"any": []}, {"fact": "age", "gte": 80, "lt": 90}],
)
def test_rules_that_do_not_hold_together_are_refused(when) -> None:
    data = {"region": "连云港市", "benefits": [{"benefit": "health_checkup", "rules": [
        {"doc": "d", "clause": "一", "quote": "q", "when": when}]}]}
    with pytest.raises(RuleError):
        parse_rules(data)


def test_an_unknown_benefit_is_refused() -> None:
    with pytest.raises(RuleError, match="不认识的福利"):
        parse_rules({"region": "连云港市", "benefits": [{"benefit": "free_car", "rules": []}]})


@pytest.fixture
def city_dir(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "gaoling.html").write_text(CITY_HTML, encoding="utf-8")
    data_dir = tmp_path / "data"
    meta = {"doc_id": "binjiang-gaoling", "region": "连云区", "issuer": "滨江市人民政府办公室",
            "effective": "2025-01-01"}
    ingest([src / "gaoling.html"], data_dir / "kb" / "docs", meta)
    rules = data_dir / "kb" / "rules"
    rules.mkdir(parents=True)
    (rules / "连云区.yaml").write_text(yaml.safe_dump(CITY_RULES, allow_unicode=True), encoding="utf-8")
    return data_dir


def test_a_city_loads_its_own_document_and_rules(city_dir: Path) -> None:
    kb = KnowledgeBase.load(city_dir, clock=lambda: TODAY)
    assert "连云区" in kb.regions()
    assert kb.validate() == []
    doc = kb.by_id["binjiang-gaoling"]
    assert doc.meta.doc_no == "滨政办发〔2025〕7号"  # read off the document
    assert doc.meta.title == "滨江市人民政府办公室关于印发滨江市高龄津贴发放办法的通知"
    assert "分享到" not in doc.text and "var x" not in doc.text and "版权所有" not in doc.text
    assert [c.path for c in doc.clauses][-4:] == ["第一条", "第二条", "第三条", "第四条"]

    a = kb.ask("90岁的老人高龄津贴每月多少钱", region="连云区", today=TODAY)
    assert a.citations[0].doc_id == "binjiang-gaoling" and a.citations[0].clause == "第三条"
    assert "200元" in a.answer

    e = kb.eligibility("连云区", {"age": 85}, today=TODAY)
    assert next((b.benefit, b.status, b.amount) for b in e.benefits) == (
        "longevity_allowance", "eligible", "80至89周岁每人每月100元")
    # the district also inherits its city's rules (连云港市)
    assert "gov_purchased_service" in {b.benefit for b in e.benefits}


def test_a_document_not_yet_in_force_says_so(city_dir: Path) -> None:
    kb = KnowledgeBase.load(city_dir)
    assert kb.by_id["binjiang-gaoling"].meta.validity_on(date(2024, 6, 1)) == "尚未施行"


def test_markdown_and_plain_text_are_ingested_without_metadata(tmp_path: Path) -> None:
    md = tmp_path / "policy.md"
    md.write_text(
        "# 启东市助餐补贴实施细则\n\n## 一、补贴对象\n\n**年满80周岁**的独居老人，每餐补贴3元。\n", encoding="utf-8"
    )
    metas = ingest([md], tmp_path / "kb" / "docs")
    assert metas[0].region == "启东市" and metas[0].title == "启东市助餐补贴实施细则"
    kb = KnowledgeBase.load(tmp_path, shipped=False)
    assert kb.by_id["policy"].clauses[-1].path == "一"
    assert "每餐补贴3元" in kb.ask("启东独居老人吃饭每餐补贴多少钱", today=TODAY).answer


def test_ingest_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    from knowledge import InvalidRequest

    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    with pytest.raises(InvalidRequest):
        ingest([tmp_path / "a.pdf"], tmp_path / "kb")
    with pytest.raises(InvalidRequest):
        ingest([tmp_path / "missing.txt"], tmp_path / "kb")


def test_a_short_article_is_a_clause_not_a_heading(tmp_path: Path) -> None:
    doc = tmp_path / "guannan.html"
    doc.write_text(
        "<h1>灌南县高龄津贴发放办法</h1><p>第一条 本县户籍年满80周岁的老年人，按月发放高龄津贴。</p>"
        "<p>第二条 80至89周岁每人每月50元。</p>",
        encoding="utf-8",
    )
    ingest([doc], tmp_path / "kb" / "docs", {"region": "灌南县"})
    kb = KnowledgeBase.load(tmp_path, clock=lambda: TODAY)
    a = kb.ask("高龄津贴每月多少钱", region="灌南县", today=TODAY)
    assert a.citations[0].clause == "第二条"
    assert "80至89周岁每人每月50元" in a.answer
