"""The cleaner keeps every sentence of the policy and nothing of the web page around it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge.cleaning import clean, injected_phrases

CORPUS = Path(__file__).resolve().parents[2] / "knowledge" / "corpus"
SEEDS = sorted(CORPUS.glob("*.txt"))

# What the five scraped pages carry besides the policy (written here, in the test, never in the code).
JUNK = [
    "体球网", "足球比分", "设为首页", "关于我们", "太和智慧", "18610556298", "廖先生", "我要评论", "最新评论",
    "分享到", "养老资讯", "最新动态", "索 引 号", "发布机构", "主 题 词", "内容概述", "文件下载", "扫一扫",
    "任务分解表.pdf", "累计次数", "字体:", "Word格式", ".docx", "上传人", "文档编号", "第1页", "共6页",
    "点击查看更多", "下载资源", "资源描述", "由会员分享", "冰豆网", "展开阅读全文", "相关资源", "猜你喜欢",
    "相关搜索", "当前位置", "copyright", "ICP备", "下载 相关 举报", "图片\n",
]
SPAM = "体球网,足球比分网"


def body_sentences(raw: str) -> list[str]:
    """Sentences of the policy as the raw page has them: lines of running text, spam taken out,
    page chrome (lines that name a file, a counter, a site) left aside."""
    out = []
    for line in raw.replace(SPAM + ":", "").replace(SPAM, "").splitlines():
        line = line.strip()
        if len(re.findall(r"[\u4e00-\u9fff]", line)) < 8 or "。" not in line:
            continue
        if re.search(r"\.docx|由会员分享|内容概述", line):
            continue
        out += [s.strip() for s in re.split(r"(?<=[。；;])", line) if len(s.strip()) >= 6]
    return out


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_no_page_chrome_or_spam_survives(path: Path) -> None:
    text = clean(path.read_text(encoding="utf-8")).text
    for junk in JUNK:
        assert junk not in text, f"{junk!r} survived in {path.name}"


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_no_policy_sentence_is_lost(path: Path) -> None:
    raw = path.read_text(encoding="utf-8")
    text = clean(raw).text
    lost = [s for s in body_sentences(raw) if s not in text]
    assert not lost, f"{len(lost)} sentences lost from {path.name}, e.g. {lost[:2]}"


def test_no_clause_of_the_seeds_holds_junk(kb) -> None:
    for doc in kb.documents:
        for clause in doc.clauses:
            for junk in JUNK:
                assert junk not in clause.text, (doc.doc_id, clause.path, junk)


def test_spam_pasted_into_sentences_is_cut_out_and_the_sentence_kept() -> None:
    text = clean((CORPUS / "qidong-2024-44.txt").read_text(encoding="utf-8")).text
    assert "根据经济社会发展水平、财力状况等因素" in text
    assert "结合实际,制定本实施方案。" in text
    assert "《中共中央办公厅国务院办公厅推进基本养老服务体系建设的意见》" in text


def test_the_spam_is_found_by_its_statistics_not_by_name() -> None:
    """Any phrase that repeats, reads foreign to the text around it and stands alone somewhere goes."""
    body = "为加快推进养老服务体系建设，结合实际，制定本方案。" * 2
    page = (
        "快乐彩票站,天天中大奖\n"
        "市政府快乐彩票站,天天中大奖关于印发实施方案的通知\n"
        f"{body}\n"
        "各街道要落实快乐彩票站,天天中大奖助餐服务，每周不少于3次。\n"
        "老年人可以申请居家养老服务，由社区审核。\n"
    )
    assert injected_phrases(page) == ["快乐彩票站,天天中大奖"]
    cleaned = clean(page).text
    assert "彩票" not in cleaned
    assert "各街道要落实助餐服务，每周不少于3次。" in cleaned


def test_repeated_policy_phrases_are_not_mistaken_for_spam() -> None:
    for path in SEEDS:
        phrases = injected_phrases(path.read_text(encoding="utf-8"))
        assert phrases in ([], [SPAM]), (path.name, phrases)


def test_a_document_page_keeps_title_number_addressees_and_date() -> None:
    text = clean((CORPUS / "nanchang-2019-142.txt").read_text(encoding="utf-8")).text
    lines = text.splitlines()
    assert lines[0].endswith("的通知")
    assert "洪府厅发〔2019〕142号" in lines
    assert "2019年12月2日" in lines
    assert "各县(区)人民政府、开发区(新区)管委会,市政府各部门:" in lines


def test_a_line_scraped_twice_is_kept_once() -> None:
    text = clean((CORPUS / "anning-2020-pilot.txt").read_text(encoding="utf-8")).text
    title = "安宁市人民政府办公室关于印发安宁市养老服务业综合改革试点工作实施方案(2020—2021)的通知"
    assert text.count(title) == 1


def test_a_sentence_without_much_punctuation_at_the_end_survives() -> None:
    text = clean((CORPUS / "qidong-2024-44.txt").read_text(encoding="utf-8")).text
    assert text.splitlines()[-1] == "本文件自2024年12月1日起施行。"
