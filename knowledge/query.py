"""How people say a question → how the documents would say it (for matching only; answers keep the
question as asked).

General rules, nothing written for particular questions:

* full-width → half-width (NFKC);
* speech-recognition homophones of domain terms repaired with the NLU's own repairer
  (主餐 → 助餐, 住浴 → 助浴, 尊老今 → 尊老金), so the knowledge base hears what the NLU hears;
* dialect and colloquial forms made standard: 俺/咱 → 我, 啥 → 什么, 咋 → 怎么, 中不中 → 能不能;
* "A不A" questions made plain (管不管 → 管, 录不录 → 录), and a question-final 不/没 (能报不?) read as 吗;
* "每千个老人" counted the way documents count people (每千名).
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from functools import cache

# longest first; each maps to what a policy text (or the question words the knowledge base knows) says
COLLOQUIAL = {
    "中不中": "能不能", "行不行": "能不能", "成不成": "能不能", "好不好使": "能不能", "管不管用": "有没有效",
    "俺们": "我们", "咱们": "我们", "俺家": "我家", "咱家": "我家", "俺": "我", "咱": "我",
    "啥子": "什么", "啥样": "什么样", "啥": "什么", "咋个": "怎么", "咋样": "怎么样", "咋整": "怎么办", "咋": "怎么",
    "么得": "没有", "莫得": "没有", "没得": "没有", "木有": "没有",
    "每个星期": "每周", "每星期": "每周", "一个星期": "每周", "每个礼拜": "每周", "一个礼拜": "每周",
    "星期": "周", "礼拜": "周",
    "个把": "", "一哈": "一下", "晓得": "知道", "好几个": "多个", "好几": "多", "几十个": "数十个",
    "能报多少": "能报销多少", "报多少": "报销多少", "给报吗": "给报销吗", "能报吗": "能报销吗",
    "给不给报": "给不给报销",
}
_COLLOQUIAL_RX = re.compile("|".join(map(re.escape, sorted(COLLOQUIAL, key=len, reverse=True))))
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")
_KEEP = frozenset({"有没有", "是不是", "能不能", "会不会", "行不行", "要不要", "够不够", "好不好"})
"""question words the knowledge base reads as such (是不是, 能不能享受): not collapsed"""
_FINAL_NOT = re.compile(r"(?<=[\u4e00-\u9fff])[不没](?:啦|嘞|咧|呀|啊)?(?=\s*(?:[?？。!！,，;；]|$))")
_PEOPLE_COUNT = re.compile(r"(?<=[\d十百千万])个(?=老|人)")


@cache
def _repairer():
    try:
        from nlu.normalize import repair_homophones
    except Exception:  # pragma: no cover - the NLU is part of the product
        return None
    return repair_homophones


def normalize_question(text: str) -> str:
    """The question as the documents would word it (see the module doc)."""
    text = unicodedata.normalize("NFKC", text)
    repair = _repairer()
    if repair is not None:
        with contextlib.suppress(Exception):  # best effort: never a failure of ask()
            text = repair(text)
    text = _COLLOQUIAL_RX.sub(lambda m: COLLOQUIAL[m.group(0)], text)
    text = _A_NOT_A.sub(lambda m: m.group(0) if m.group(0) in _KEEP else m.group(1), text)
    text = _FINAL_NOT.sub("吗", text)
    text = _COLLOQUIAL_RX.sub(lambda m: COLLOQUIAL[m.group(0)], text)  # again: 给报不 → 给报吗 → 给报销吗
    return _PEOPLE_COUNT.sub("名", text)
