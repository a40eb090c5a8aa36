"""Clause retrieval: jieba tokens + lexicon concepts, scored by BM25 (bm25s).

Every clause and every question is turned into the same kind of tokens:

* jieba words (search mode, so ``家庭养老照护床位`` also gives ``家庭`` ``养老`` ``床位``), without
  stop-words and punctuation;
* one concept token ``§<canonical>`` for each term of the shared synonym lexicon found in the text,
  whichever way it is written (尊老金 and 高龄津贴 both give ``§高龄津贴``).

A clause is indexed with its own heading twice and the headings above it once, so a clause titled
``加大政府购买养老服务力度`` is found by what it is about even when its sentences say it differently.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from itertools import chain, pairwise

import bm25s
import numpy as np

from knowledge.cleaning import wordset

CONCEPT = "§"
STOPWORDS = wordset(
    """
    的 了 吗 呢 吧 啊 呀 嘛 哦 么 和 与 及 或 是 在 有 没 没有 我 你 您 他 她 它 我们 你们 他们 咱
    咱们 自己 这 那 这个 那个 这些 那些 哪 哪些 哪个 什么 怎么 怎样 怎么样 如何 为什么 多少 几 多
    请问 想 想问 问 问问 一下 能 能不能 可以 可不可以 会 会不会 要 需要 得 都 也 还 就 才 又 再 很
    太 最 更 呗 嗯 喂 哈 家 家里 现在 今年 去年 明年 个 一个 一 每 各 该 其 之 等 对 把 被 给 让 从
    向 到 为 以 于 按 按照 如果 还是 已经 了解 知道 告诉 说 讲 听说 政策 规定 文件 里 上 下 中 内 外
    时候 啥 咋 咋办 怎么办 谁 哪里 哪儿 情况 能否 是否 有没有 老爷子 老太太 我妈 我爸 妈妈 爸爸 母亲
    父亲 奶奶 爷爷 外婆 外公 姥姥 姥爷 老伴 岁 周岁 了吗 做 吃 住 去 来 看 用 拿 办 领 建 算 找 交
    打 叫 帮 帮忙 麻烦 一些 有些 专门 地方 东西 岁数 多大 多久 多长 哪种 这种 那种 这样 那样 的话 时
    后 前 之前 之后 以后 以前 哟 我家 每个 不要 要不要 不会 会不会 块钱 块 年纪 年龄 按钮 东西
    家人 孩子 儿子 女儿 子女 老人家 人家 别人 大家 比如 比方 包括 等等
    可能 应该 一般 一定 真的 到底 究竟 具体 主要 方面 相关 有关 这边 那边 我们家 咱家 他家 她家
    能干 干 干什么 做什么 开个 想问 问问 月 年 日 天 号 发 补 买 送 请 派 装 问 到 过 跟 着
    呢 嘛 啦 么 些 点 儿 下 起 完 好 行 对 错 新 老 旧
    不用 不能 就能 就是 还能 还有 还要 手里 手上 身边 一起 一直 马上 赶紧 之类 什么样 这么 那么 多么 非常
    特别 比较 有点 一点 出来 起来 下来 上来 过来 回来 进去 出去 得到 觉得 认为 看看 试试 打算 准备 必须
    不是 是不是 或者 而且 但是 可是 因为 所以 要是 只要 只有 虽然 然后 另外 其他 其它 别的 这里 那里
    你好 您好 问下 问一下 咨询 想问一下 想了解 了解一下 这儿 那儿 我们这儿 我们这 这块 自个儿
    自家 平时 经常 一般来说 听人说 人说 据说 好像 应该是 能够 可否
    俺 俺们 俺家 咱 娘 爹 我娘 我爹 俺娘 俺爹 老娘 老爹 老头 老头子 老太 老太婆 老婆子 老伴儿 婆婆 公公
    岳父 岳母 丈母娘 老母亲 老父亲 老人们 在家 有人 搞 弄 整 办事 区里 市里 县里 村里 镇上 那个 这个 嘞 咧
    """
)
# Words that frame a question (who / how much / how to apply) rather than say what it is about.
FRAME_WORDS = wordset(
    """
    享受 申请 办理 领取 符合 条件 资格 对象 标准 要求 达到 要 能 可以 多少钱 钱 费用 收费 免费 补
    补助 一个月 每个月 每月 一年 每年 每人 哪些 哪些人 什么人 人 老人 老年人 老年 服务 政府 国家
    有没有 能不能 怎么样 安排 规定 政策 措施 情况 内容 流程 程序 手续 时间 结束 开始 提供 给予 落实
    支持 处理 解决 办 管 回事 意思 人管 有人 给钱 发钱 补钱 拿钱 出钱 掏钱 给点钱 补点钱 钱给
    """
)
WHO_QUESTION = re.compile(
    r"谁能|谁可以|谁有|给谁|哪些人|哪些老人|什么人|什么样的人|什么条件|条件|资格|符合|够不够|能不能享受|可以享受|能享受"
)
WHO_TOKENS = ["符合条件", "符合", "条件", "纳入", "对象", "范围"]
# Narrower concept → broader concepts the documents may use instead (低保 households are 经济困难).
BROADER = {
    "§低保": ("§经济困难",),
    "§低保边缘": ("§经济困难",),
    "§特困": ("§经济困难",),
    "§五保": ("§经济困难", "§特困"),
    "§三无": ("§经济困难", "§特困"),
    "§独居": ("§空巢",),
    "§空巢": ("§独居",),
    "§留守": ("§空巢",),
    "§失智": ("§失能",),
    "§上门服务": ("§居家养老服务", "§政府购买居家养老服务"),
    "§举办养老机构": ("§养老机构",),
}
_AGE = re.compile(
    r"(\d{2,3})\s*(?:周岁|岁|多岁|来岁|多了|了|出头)|([七八九]十[一二三四五六七八九]?)(?:周岁|岁|多岁|来岁|多了|了|出头)"
)
KEEP_SINGLE = frozenset("率")
_PUNCT = re.compile(r"^[\W_]+$")
_DIGITS = re.compile(r"^\d+(?:\.\d+)?%?$")
log = logging.getLogger(__name__)


@cache
def _surface_regex() -> tuple[re.Pattern[str] | None, dict[str, str]]:
    from nlu.lexicon import synonyms

    surface: dict[str, str] = {}
    for canonical, variants in synonyms().items():
        for form in (canonical, *variants):
            surface.setdefault(form, canonical)
    if not surface:
        return None, {}
    alternation = "|".join(re.escape(s) for s in sorted(surface, key=len, reverse=True))
    return re.compile(alternation), surface


@cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    _, surface = _surface_regex()
    for form in surface:
        if len(form) >= 2:
            jieba.add_word(form, freq=20000)
    jieba.initialize()
    return jieba


def concepts(text: str) -> list[str]:
    """One concept token per lexicon term in ``text`` (longest form first, left to right)."""
    rx, surface = _surface_regex()
    if rx is None:
        return []
    return [CONCEPT + surface[m.group(0)] for m in rx.finditer(text)]


_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
_BLOCK = re.compile(r"[\u4e00-\u9fd5a-zA-Z0-9+#&._%\-]+")


@lru_cache(maxsize=500_000)
def _block_words(block: str) -> tuple[str, ...]:
    """Words of one run of text between punctuation marks, in jieba's search mode (a long word also gives
    its dictionary 2- and 3-grams), without stop-words. jieba cuts such runs independently, so caching
    them changes nothing but the time: policy texts repeat their phrases a great deal."""
    jb = _jieba()
    freq = jb.dt.FREQ
    out: list[str] = []
    run: list[str] = []  # consecutive single characters: a word the dictionary does not know (普惠)
    for w in (*jb.cut(block, HMM=False), ""):
        if len(w) == 1 and _CJK_CHAR.match(w) and w not in STOPWORDS:
            run.append(w)
            continue
        if len(run) >= 2:
            out += [a + b for a, b in pairwise(run)]
        out += [c for c in run if c in KEEP_SINGLE]
        run = []
        if not w or w.lower() in STOPWORDS:  # and its pieces: 老爷子 is no 老爷
            continue
        n = len(w)
        pieces = []
        if n > 2:
            pieces += [w[i : i + 2] for i in range(n - 1) if freq.get(w[i : i + 2])]
            if n > 3:
                pieces += [w[i : i + 3] for i in range(n - 2) if freq.get(w[i : i + 3])]
        for tok in (*pieces, w):
            tok = tok.lower()
            if tok in STOPWORDS or _PUNCT.match(tok):
                continue
            if len(tok) == 1 and not tok.isdigit() and tok not in KEEP_SINGLE:
                continue
            out.append(tok)
    return tuple(out)


def words(text: str) -> list[str]:
    out: list[str] = []
    for m in _BLOCK.finditer(text):
        out += _block_words(m.group(0))
    return out


def tokenize(text: str) -> list[str]:
    return words(text) + concepts(text)


def tokenize_many(texts: Sequence[str]) -> list[list[str]]:
    return [tokenize(t) for t in texts]


def age_concepts(text: str) -> list[str]:
    """"83岁" / "八十多岁" in a question: 80 and over is 高龄 in every document."""
    from knowledge.clauses import cn_to_int

    out = []
    for m in _AGE.finditer(text):
        age = int(m.group(1)) if m.group(1) else cn_to_int(m.group(2))
        if age >= 80:
            out.append(CONCEPT + "高龄")
    return out


class ClauseIndex:
    """BM25 over a list of indexed texts (one per clause), with per-row document numbers for filters."""

    def __init__(self, texts: Sequence[str], doc_of_row: Sequence[int]) -> None:
        self.doc_of_row = np.asarray(doc_of_row, dtype=np.int32)
        self.tokens = tokenize_many(texts)
        self._build()

    @classmethod
    def from_tokens(cls, tokens: list[list[str]], doc_of_row: Sequence[int]) -> ClauseIndex:
        self = cls.__new__(cls)
        self.doc_of_row = np.asarray(doc_of_row, dtype=np.int32)
        self.tokens = tokens
        self._build()
        return self

    def _build(self) -> None:
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.bm25 = bm25s.BM25(k1=1.2, b=0.75)
        self.bm25.index([t or [""] for t in self.tokens], show_progress=False)
        n = len(self.tokens)
        self.df: dict[str, int] = dict(Counter(chain.from_iterable(map(set, self.tokens))))
        self.n = n
        self.max_idf = self.idf_of(0)

    PSEUDO_ROWS = 50
    """How much a question's words weigh (for coverage) uses IDF as if the index had this many more rows
    that do not contain them: a city with three clauses still tells a rare word from a common one."""

    def idf_of(self, df: int) -> float:
        return math.log(1 + (self.n + self.PSEUDO_ROWS - df + 0.5) / (df + 0.5))

    def idf(self, token: str) -> float:
        return self.idf_of(self.df.get(token, 0))

    def scores(self, query_tokens: list[str], doc_mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every row; rows of documents outside ``doc_mask`` (bool per document) get 0."""
        known = [t for t in query_tokens if t in self.df]
        if not known:
            return np.zeros(len(self.tokens), dtype=np.float32)
        weight = None
        if doc_mask is not None:
            weight = doc_mask[self.doc_of_row].astype(np.float32)
        return self.bm25.get_scores(known, weight_mask=weight)

    def weighted_scores(self, weights: dict[str, float], doc_mask: np.ndarray | None = None) -> np.ndarray:
        """Σ weight × BM25 contribution of each query token (tokens of equal weight scored together)."""
        groups: dict[float, list[str]] = {}
        for t, w in weights.items():
            if t in self.df and w > 0:
                groups.setdefault(w, []).append(t)
        total = np.zeros(len(self.tokens), dtype=np.float32)
        for w, toks in groups.items():
            total += w * self.scores(toks, doc_mask)
        return total

    def top(self, scores: np.ndarray, k: int) -> list[int]:
        k = min(k, len(scores))
        if k <= 0:
            return []
        idx = np.argpartition(-scores, k - 1)[:k]
        idx = idx[np.argsort(-scores[idx], kind="stable")]
        return [int(i) for i in idx if scores[i] > 0]


def unique(seq: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(seq))
