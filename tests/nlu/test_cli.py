"""`eldercare nlu parse` and `eldercare nlu test` through the real CLI entry point."""

from __future__ import annotations

import io
import json

from eldercare.cli import main


def run(monkeypatch, capsys, argv, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    return code, capsys.readouterr().out


def test_parse_prints_one_rasa_object_per_input_line(monkeypatch, capsys):
    monkeypatch.delenv("ELDERCARE_NLU_BACKEND", raising=False)
    code, out = run(monkeypatch, capsys, ["nlu", "parse", "--reference-date", "2026-11-26"],
                    "明天中午给我妈送两份饭\n我摔倒了起不来\n\n")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 3
    assert lines[0]["text"] == "明天中午给我妈送两份饭"
    assert lines[0]["intent"]["name"] == "book_meal"
    assert lines[0]["entities"][0] == {"entity": "date", "value": "2026-11-27", "start": 0, "end": 2, "text": "明天"}
    assert lines[1]["intent"]["name"] == "emergency"
    assert lines[2]["intent"]["name"] == "out_of_scope"


def test_parse_accepts_db_after_the_subcommand(monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, ["nlu", "parse", "--db", "sqlite+aiosqlite:///x.db"], "你好\n")
    assert code == 0
    assert json.loads(out)["intent"]["name"] == "greet"


def test_test_prints_a_rasa_like_report(monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, ["nlu", "test"])
    assert code == 0
    for heading in ("accuracy", "macro-F1", "Confusions", "Entity evaluation", "precision", "recall", "F1"):
        assert heading in out
    assert "relation" in out and "date" in out


def test_test_json_report(monkeypatch, capsys, tmp_path):
    f = tmp_path / "t.yml"
    f.write_text('version: "3.1"\n# reference_date: 2026-11-26\nnlu:\n- intent: book_meal\n  examples: |\n'
                 '    - [明天](date:2026-11-27)送[两份](quantity:2)[饭](service:meal)\n', encoding="utf-8")
    code, out = run(monkeypatch, capsys, ["nlu", "test", "--data", str(f), "--json"])
    assert code == 0
    report = json.loads(out)
    assert report["n"] == 1 and report["intent_accuracy"] == 1.0 and report["entity_f1"] == 1.0
