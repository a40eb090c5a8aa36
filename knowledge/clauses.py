"""Split a cleaned policy document into clauses that keep its hierarchy.

Headings of Chinese government documents, outermost first::

    附件2 · 第一章 · 第一节 · 一、 · 第一条 · （一） · 1. · （1）

A clause is the text under its deepest heading, up to the next heading; its path joins the labels
of the open headings: ``四(二)5``, ``附件2第六条(一)``. Text before the first heading is ``前言``.
A numbered line only opens a heading when its number continues the sequence of its siblings, so a
list such as ``2.连云港市……管理办法`` inside a paragraph stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_NUM = "一二三四五六七八九十百零〇"

# (rank, kind, regex); the regex captures the number and the rest of the line.
HEADINGS: list[tuple[int, str, re.Pattern[str]]] = [
    (0, "attachment", re.compile(r"^附件\s*(\d{1,2})$")),
    (1, "chapter", re.compile(rf"^第([{CN_NUM}]+)章\s*(.*)$")),
    (2, "section", re.compile(rf"^第([{CN_NUM}]+)节\s*(.*)$")),
    (3, "cn", re.compile(r"^([一二三四五六七八九十]+)、\s*(.*)$")),
    (4, "article", re.compile(rf"^第([{CN_NUM}]+)条\s*(.*)$")),
    (5, "cn_paren", re.compile(r"^[(（]([一二三四五六七八九十]+)[)）]\s*(.*)$")),
    (6, "num", re.compile(r"^(\d{1,2})\s*[.．、](?!\d)\s*(.*)$")),
    (7, "num_paren", re.compile(r"^[(（](\d{1,2})[)）]\s*(.*)$")),
]
SENTENCE_END = re.compile(r"(?<=[。！？；;!?])|\n")


def cn_to_int(s: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105; Arabic digits pass through."""
    if s.isdigit():
        return int(s)
    total, num = 0, 0
    for ch in s:
        if ch == "百":
            total += (num or 1) * 100
            num = 0
        elif ch == "十":
            total += (num or 1) * 10
            num = 0
        else:
            num = CN_DIGITS.get(ch, 0)
    return total + num


def int_to_cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")


def label_for(kind: str, number: str) -> str:
    return {
        "attachment": f"附件{number}",
        "chapter": f"第{number}章",
        "section": f"第{number}节",
        "cn": number,
        "article": f"第{number}条",
        "cn_paren": f"({number})",
        "num": number,
        "num_paren": f"({number})",
    }[kind]


@dataclass
class Clause:
    doc_id: str
    path: str
    """Where a person would look: ``四(二)5``; ``前言`` for text before the first heading."""
    heading: str
    """Title of the clause's own heading (``加大政府购买养老服务力度``), or ''."""
    context: tuple[str, ...]
    """Titles of the enclosing headings, outermost first."""
    text: str
    """The clause verbatim, lines joined by newlines (the heading line included)."""
    order: int = 0
    sentences: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.sentences:
            self.sentences = split_sentences(self.text)


def split_sentences(text: str) -> list[str]:
    """Sentences verbatim (each a substring of ``text``), the heading marker of the first one removed."""
    out = []
    for part in SENTENCE_END.split(text):
        s = part.strip()
        if not s:
            continue
        for _, _, rx in HEADINGS:
            m = rx.match(s)
            if m and m.lastindex and m.lastindex >= 2 and m.group(2):
                s = m.group(2).strip()
                break
        if s:
            out.append(s)
    return out


def heading_title(rest: str) -> str:
    title = re.split(r"[。；;]", rest, maxsplit=1)[0].strip()
    return title if len(title) <= 40 else ""


@dataclass
class _Open:
    rank: int
    kind: str
    number: int
    label: str
    title: str


def split_clauses(doc_id: str, text: str) -> list[Clause]:
    stack: list[_Open] = []
    last_child: dict[tuple[tuple[str, ...], str], int] = {}
    last_of_kind: dict[str, int] = {}
    clauses: list[Clause] = []
    lines: list[str] = []

    def flush() -> None:
        if not lines:
            return
        body = "\n".join(lines)
        path = "".join(o.label for o in stack) or "前言"
        heading = stack[-1].title if stack else ""
        context = tuple(o.title for o in stack[:-1] if o.title)
        clauses.append(Clause(doc_id, path, heading, context, body, order=len(clauses)))
        lines.clear()

    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        opened = None
        for rank, kind, rx in HEADINGS:
            m = rx.match(line)
            if not m:
                continue
            number = cn_to_int(m.group(1))
            parent = tuple(o.label for o in stack if o.rank < rank)
            key = (parent, kind)
            if key in last_child:
                ok = number == last_child[key] + 1
            else:
                # a new list starts at 1, or continues the numbering of the previous list (1.…4. | 5.…)
                ok = number == 1 or kind not in last_of_kind or number == last_of_kind[kind] + 1
            if ok:
                opened = (rank, kind, number, m)
            break
        if opened is None:
            lines.append(line)
            continue
        flush()
        rank, kind, number, m = opened
        while stack and stack[-1].rank >= rank:
            stack.pop()
        parent = tuple(o.label for o in stack)
        last_child[(parent, kind)] = number
        last_of_kind[kind] = number
        rest = m.group(2) if m.lastindex and m.lastindex >= 2 else ""
        title = "" if kind in ("article", "attachment") else heading_title(rest)  # 第X条 has no title
        stack.append(_Open(rank, kind, number, label_for(kind, m.group(1)), title))
        lines.append(line)
    flush()
    _infer_missing_top(clauses)
    return clauses


def _infer_missing_top(clauses: list[Clause]) -> None:
    """A document whose first ``一、``-level heading is ``二、`` lost its beginning (a cut-off scrape):
    sub-clauses that come before it belong to ``一``."""
    first_top = next((c for c in clauses if re.match(r"^[一二三四五六七八九十]+(?![、\d])", c.path)), None)
    if first_top is None:
        return
    m = re.match(r"^([一二三四五六七八九十]+)", first_top.path)
    k = cn_to_int(m.group(1)) if m else 1
    if k <= 1:
        return
    for c in clauses:
        if c is first_top:
            break
        if c.path != "前言" and c.path.startswith("("):
            c.path = int_to_cn(k - 1) + c.path
