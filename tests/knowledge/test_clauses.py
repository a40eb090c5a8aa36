"""The splitter keeps the document's hierarchy: a citation points where a person would look."""

from __future__ import annotations

import pytest

from knowledge.clauses import cn_to_int, split_clauses, split_sentences


def paths(kb, doc_id: str) -> list[str]:
    return [c.path for c in kb.by_id[doc_id].clauses]


@pytest.mark.parametrize(
    ("doc_id", "path", "starts"),
    [
        ("lianyungang-2020-24", "四(二)5", "5.加大政府购买养老服务力度。"),
        ("lianyungang-2020-24", "四(七)19", "19.做好老年人健康管理。"),
        ("lianyungang-2020-24", "附件2第六条(七)", "(七)支持老城区"),
        ("qidong-2024-44", "二(一)3", "3.深化精准服务主动响应机制。"),
        ("qidong-2024-44", "二(四)10", "10.发挥公办养老机构基础作用。"),
        ("anning-2020-pilot", "五(六)", "(六)促进医养结合融合发展。"),
        ("nanchang-2019-142", "三", "三、工作目标"),
        ("xcity-reform-zone", "三(五)", "(五)建立人才培养机制。"),
    ],
)
def test_clause_paths_follow_the_numbering(kb, doc_id: str, path: str, starts: str) -> None:
    clause = kb.clause(doc_id, path)
    assert clause is not None, f"{doc_id} has no clause {path}: {paths(kb, doc_id)}"
    assert clause.text.startswith(starts)


def test_numbering_continues_across_sections(kb) -> None:
    """连云港 numbers its items 1…26 straight through the (一)…(十) sections."""
    ps = paths(kb, "lianyungang-2020-24")
    assert ps.index("四(一)3") < ps.index("四(二)4") < ps.index("四(二)5") < ps.index("四(十)26")


def test_a_list_inside_a_paragraph_is_not_a_heading(kb) -> None:
    """"附件:1.…" then "2.…" "3.…" lists attachments; it must not open clauses 五(四)2 and 五(四)3."""
    ps = paths(kb, "lianyungang-2020-24")
    assert "五(四)2" not in ps
    assert "中央专项彩票公益金管理办法" in kb.clause("lianyungang-2020-24", "五(四)").text


def test_a_document_cut_off_at_the_top_gets_its_missing_parent(kb) -> None:
    """The shared 004 starts at (三) of part 一 (the page lost the beginning); 二、 follows."""
    ps = paths(kb, "xcity-reform-zone")
    assert ps[:2] == ["一(三)", "一(四)"]
    assert "二(一)1" in ps


def test_text_before_the_first_heading_is_the_preamble(kb) -> None:
    clause = kb.by_id["lianyungang-2020-24"].clauses[0]
    assert clause.path == "前言"
    assert "制定本方案。" in clause.text


def test_every_clause_is_verbatim_from_the_cleaned_document(kb) -> None:
    for doc in kb.documents:
        for clause in doc.clauses:
            for line in clause.text.split("\n"):
                assert line in doc.text
            for sentence in clause.sentences:
                assert sentence in clause.text


def test_articles_and_chapters() -> None:
    text = (
        "第一章 总则\n第一条 为了规范管理，制定本办法。\n第二条 本办法适用于全市。\n（一）城市；\n（二）农村。\n"
        "第二章 附则\n第三条 本办法自发布之日起施行。"
    )
    got = [c.path for c in split_clauses("d", text)]
    assert got == ["第一章", "第一章第一条", "第一章第二条", "第一章第二条(一)", "第一章第二条(二)", "第二章",
                   "第二章第三条"]


def test_sentences_drop_the_heading_marker() -> None:
    assert split_sentences("5.加大力度。将老人纳入范围;每月60元。") == ["加大力度。", "将老人纳入范围;", "每月60元。"]


@pytest.mark.parametrize(
    ("cn", "n"), [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十六", 26), ("一百零五", 105)]
)
def test_chinese_numerals(cn: str, n: int) -> None:
    assert cn_to_int(cn) == n
