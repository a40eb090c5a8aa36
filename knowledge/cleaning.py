"""Turn a scraped policy page into the policy text, by general rules.

Nothing here knows any particular document. Three kinds of noise are removed:

* **Injected phrases** — a string the hosting site pasted into sentences (spam, watermarks). It repeats
  several times, and its character bigrams occur nowhere else in the document: it is foreign to the
  text around it. It also either stands alone on a line somewhere or carries its own punctuation.
* **Page chrome before the document** — navigation, metadata fields, ads. Before the first line of
  prose only document-like lines are kept: a title, a 文号, an addressee line, a date, an issuer.
* **Chrome inside and after the document** — navigation words, page counters, file names, share and
  comment widgets, copyright lines; and everything after the last line of prose that is not prose.

Every sentence of the policy itself survives: a line that reads as prose is never dropped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

CJK = r"\u4e00-\u9fff"


def wordset(text: str) -> frozenset[str]:
    """Whitespace-separated words of a (multi-line) string."""
    return frozenset(text.split())


_CJK_RE = re.compile(f"[{CJK}]")
SENTENCE_PUNCT = "。；！？;!?"
CLAUSE_PUNCT = "，,、：:"

# Generic vocabulary of Chinese web-page chrome (government portals, document-sharing sites).
NAV_WORDS = wordset(
    """
    设为首页 首页 关于我们 联系我们 网站地图 下载 相关 举报 收藏 打印 关闭 关闭窗口 打印本页 分享
    分享到 评论 我要评论 最新评论 发表评论 上一篇 下一篇 返回 返回顶部 返回列表 图片 视频 字体 大 中
    小 默认 展开阅读全文 相关资源 猜你喜欢 相关搜索 下载资源 资源描述 点击查看更多>> 点击查看更多
    更多 登录 注册 文件下载 扫一扫 微信 微博 QQ空间 当前位置 最新动态 热门 推荐 阅读 全文 附件下载
    """
)
NAV_PATTERNS = [
    re.compile(p)
    for p in (
        r"第\s*\d+\s*页\s*/\s*共\s*\d+\s*页",
        r"^第\s*\d+\s*页$",
        r"共\s*\d+\s*页",
        r"\.(?:docx?|pdf|xlsx?|pptx?|wps|rar|zip)\b",
        r"(?i)copyright|版权所有|ICP备|ICP证|经营许可证|公网安备",
        r"已有\s*\d+\s*条评论|\d+\s*人参与|累计次数|浏览次数|访问量|阅读次数",
        r"扫一扫|二维码|分享到|当前位置[:：]",
        r"由会员分享|在线阅读|请在.{1,8}上搜索",
        r"(?:微信|电话|热线|手机|联系)[^。]{0,12}1[3-9]\d{9}",
    )
]
# Metadata fields of government portals: "索 引 号 …", "发布机构: …", "文 号 …".
FIELD_LABELS = wordset(
    """
    索引号 发布机构 发文机关 发文日期 成文日期 发布日期 发布时间 标题 名称 文号 发文字号 主题词
    主题分类 内容概述 时效 有效性 分类 来源 信息来源 上传人 文档编号 上传时间 格式 页数 大小 作者
    编号 公开方式 公开范围 所属机构 生效日期 废止日期 访问次数
    """
)
TITLE_SUFFIX = re.compile(
    r"(?:通知|方案|意见|办法|规定|细则|决定|批复|函|条例|清单|规划|措施|政策|公告|通告|纲要|计划|"
    r"(?:[(（]试行[)）])|(?:[(（]\d{4}\s*[—–-]\s*\d{4}[)）]))$"
)
DOC_NO = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d+\s*号")
DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
ISSUER_LINE = re.compile(r"^[\u4e00-\u9fff]{2,30}(?:人民政府|办公室|办公厅|委员会|局|厅|部|委|政府|管委会)$")
PAREN_NOTE = re.compile(r"^[(（][^()（）]{2,20}[)）]$")
ADDRESSEE = re.compile(r"[:：]$")


@dataclass
class Cleaned:
    text: str
    """The document text: one paragraph per line, every policy sentence verbatim."""
    removed_phrases: list[str] = field(default_factory=list)
    removed_lines: list[str] = field(default_factory=list)


def cjk_count(s: str) -> int:
    return len(_CJK_RE.findall(s))


def _bigrams(s: str) -> set[str]:
    chars = [c for c in s if _CJK_RE.match(c)]
    return {a + b for a, b in pairwise(chars)}


def _repeated_substrings(text: str, seed: int = 5, max_len: int = 40, min_count: int = 3) -> list[str]:
    """Maximal strings (``seed``..``max_len`` characters, within one line) that occur ``min_count`` times
    or more: each frequent ``seed``-gram grown left and right while all its occurrences agree."""
    positions: dict[str, list[int]] = defaultdict(list)
    for i in range(len(text) - seed + 1):
        gram = text[i : i + seed]
        if "\n" not in gram:
            positions[gram].append(i)
    found = set()
    for ps in positions.values():
        if len(ps) < min_count:
            continue
        first, end, back = ps[0], seed, 0
        while end < max_len and all(
            p + end < len(text) and text[p + end] == text[first + end] != "\n" for p in ps
        ):
            end += 1
        while end + back < max_len and all(
            p - back - 1 >= 0 and text[p - back - 1] == text[first - back - 1] != "\n" for p in ps
        ):
            back += 1
        found.add(text[first - back : first + end].strip())
    return sorted(found, key=len, reverse=True)


def injected_phrases(text: str) -> list[str]:
    """Phrases pasted into the text by the hosting site: repeated and foreign to everything around them."""
    lines = {ln.strip() for ln in text.splitlines()}
    phrases = []
    for cand in _repeated_substrings(text):
        if cjk_count(cand) < 4:
            continue
        own = _bigrams(cand)
        if len(own) < 3:
            continue
        rest = text.replace(cand, "\n")
        foreign = sum(1 for bg in own if bg not in rest) / len(own)
        stands_alone = cand in lines
        own_punct = any(p in cand[1:-1] for p in "，,:：")
        if foreign >= 0.9 and (stands_alone or own_punct):
            phrases.append(cand)
    return phrases


def remove_phrase(text: str, phrase: str) -> str:
    """Remove every occurrence; a punctuation mark the phrase leaves dangling between two words goes too."""
    escaped = re.escape(phrase)
    text = re.sub(f"(?<=[{CJK}]){escaped}[:：,，](?=[{CJK}])", "", text)
    return text.replace(phrase, "")


HEADING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|\d{1,2}\s*[.．、](?!\d)|[(（]\d{1,2}[)）]"
    r"|第[一二三四五六七八九十百零〇]+[章节条])"
)


def is_prose(line: str) -> bool:
    """A line of running text: a punctuated sentence, or a numbered heading of the document."""
    s = line.strip()
    n = cjk_count(s)
    if n >= 6 and s[-1] in SENTENCE_PUNCT:
        return True
    if HEADING.match(s) and n >= 2:
        return True
    return n >= 12 and any(p in s for p in SENTENCE_PUNCT + "，,")


def _is_field_line(line: str) -> bool:
    compact = re.sub(r"\s+", "", line)
    rest = line.strip()
    for label in FIELD_LABELS:
        if compact.startswith(label):
            # the label, maybe spaced out ("索 引 号"), then a separator (colon or blank)
            m = re.match(r"[ \t\u3000]?".join(map(re.escape, label)), rest)
            if m and (m.end() == len(rest) or rest[m.end()] in ":： \t\u3000"):
                return True
    return False


def is_chrome(line: str) -> bool:
    """Navigation, widgets, counters, file names and similar page furniture."""
    s = line.strip()
    if not s:
        return True
    if any(p.search(s) for p in NAV_PATTERNS):
        return True
    if _is_field_line(s):
        return True
    tokens = s.split()
    if all(t in NAV_WORDS for t in tokens):
        return True
    return bool(not _CJK_RE.search(s) and not re.search(r"\d{4}", s))


def _is_document_furniture(line: str) -> bool:
    """Lines that belong to the document before its first paragraph (title, 文号, addressees, date…)."""
    s = line.strip()
    compact = re.sub(r"\s+", "", s)
    if DOC_NO.fullmatch(compact):
        return True
    if DATE_LINE.match(compact) or ISSUER_LINE.match(compact) or PAREN_NOTE.match(compact):
        return True
    if ADDRESSEE.search(s) and cjk_count(s) >= 4 and ("、" in s or "," in s or "，" in s):
        return True
    return bool(" " not in s and ":" not in s and "：" not in s and TITLE_SUFFIX.search(compact))


def clean(raw: str) -> Cleaned:
    """Clean one scraped document (plain text). Paragraph per line, blank lines dropped."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\ufeff", "")
    result = Cleaned(text="")
    for phrase in injected_phrases(text):
        text = remove_phrase(text, phrase)
        result.removed_phrases.append(phrase)

    lines = [ln.rstrip() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln.strip()]
    first_prose = next((i for i, ln in enumerate(lines) if is_prose(ln) and not is_chrome(ln)), len(lines))
    last_prose = max((i for i, ln in enumerate(lines) if is_prose(ln) and not is_chrome(ln)), default=-1)

    kept: list[str] = []
    for i, ln in enumerate(lines):
        s = ln.strip()
        keep = True
        if is_chrome(s):
            keep = False
        elif i < first_prose:
            keep = _is_document_furniture(s)
        elif i > last_prose:
            keep = is_prose(s) or _is_document_furniture(s)
        if keep and kept and kept[-1] == s:  # a line repeated right after itself (scraped twice)
            keep = False
        if keep:
            kept.append(s)
        else:
            result.removed_lines.append(s)
    result.text = "\n".join(kept)
    return result
