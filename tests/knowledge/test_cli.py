"""The commands: `eldercare ask`, `eldercare eligibility`, `eldercare kb ingest|list|validate`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eldercare.cli import main


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ELDERCARE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_ask_json_is_the_contract(capsys) -> None:
    code, out, _ = run(capsys, "ask", "--region", "连云港市", "--json", "--today", "2026-11-26",
                       "政府购买居家养老服务每人每月多少钱")
    assert code == 0
    d = json.loads(out)
    assert set(d) == {"question", "region", "answer", "citations", "confidence"}
    assert d["citations"][0]["clause"] == "四(二)5"


def test_ask_without_json_reads_like_an_answer(capsys) -> None:
    code, out, _ = run(capsys, "ask", "--region", "启东市", "尊老金怎么领")
    assert code == 0
    assert out.startswith("根据《启东市推进基本养老服务体系建设实施方案》")
    assert "出处：" in out and "启政办发〔2024〕44号" in out


def test_ask_accepts_db(capsys) -> None:
    code, out, _ = run(capsys, "ask", "--db", "sqlite+aiosqlite:///unused.db", "--json", "明天天气怎么样")
    assert code == 0 and json.loads(out)["citations"] == []


def test_eligibility_json_is_the_contract(capsys) -> None:
    profile = json.dumps({"age": 83, "living": "alone", "economic": "dibao", "urban": True})
    code, out, _ = run(capsys, "eligibility", "--region", "连云港市", "--profile", profile, "--json")
    assert code == 0
    d = json.loads(out)
    assert d["region"] == "连云港市"
    first = d["benefits"][0]
    assert (first["benefit"], first["status"], first["amount"]) == ("gov_purchased_service", "eligible",
                                                                    "每人每月不低于60元")


def test_eligibility_human_readable(capsys) -> None:
    code, out, _ = run(capsys, "eligibility", "--region", "启东市", "--profile", '{"age": 70}')
    assert code == 0
    assert "高龄津贴（尊老金）：文件未写明条件" in out


@pytest.mark.parametrize(
    "argv",
    [
        ("eligibility", "--region", "火星市", "--profile", "{}"),
        ("eligibility", "--region", "启东市", "--profile", "{not json"),
        ("eligibility", "--region", "启东市", "--profile", '{"age": "old"}'),
        ("ask", "--region", "火星市", "高龄津贴"),
    ],
)
def test_bad_input_is_a_clear_error(capsys, argv) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("错误：")


def test_kb_list_and_validate(capsys) -> None:
    code, out, _ = run(capsys, "kb", "list", "--json")
    assert code == 0
    rows = {r["doc_id"]: r for r in json.loads(out)}
    assert rows["anning-2020-pilot"]["valid"] == "试点期已过"
    assert rows["lianyungang-2020-24"]["doc_no"] == "连政发〔2020〕24号"
    code, out, _ = run(capsys, "kb", "validate")
    assert code == 0 and "校验通过" in out


def test_kb_ingest_then_ask(capsys, tmp_path: Path, data_dir: Path) -> None:
    doc = tmp_path / "haizhou-meal.txt"
    doc.write_text(
        "海州区老年助餐补贴实施办法\n一、补贴对象\n本区户籍年满70周岁的老年人在助餐点就餐，每餐补贴2元。\n",
        encoding="utf-8")
    meta = tmp_path / "meta.yml"
    meta.write_text("title: 海州区老年助餐补贴实施办法\nissuer: 海州区民政局\nregion: 海州区\ndoc_no: null\n"
                    "issued: 2025-03-01\neffective: 2025-03-01\nsource: 区政府网站\n", encoding="utf-8")
    code, out, err = run(capsys, "kb", "ingest", str(doc), "--meta", str(meta))
    assert code == 0, err
    assert "已导入 haizhou-meal" in out
    assert (data_dir / "kb" / "docs" / "haizhou-meal.txt").exists()
    code, out, _ = run(capsys, "ask", "--region", "海州区", "--json", "在助餐点吃饭每餐补贴多少钱")
    d = json.loads(out)
    assert d["citations"][0]["doc_id"] == "haizhou-meal"
    assert "2元" in d["answer"]
