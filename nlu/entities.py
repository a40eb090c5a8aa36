"""Entity extraction: gazetteer (Rasa lookups + synonyms + the shared region list), regexes, and
resolvers for dates, clock times, quantities and ages. Overlaps resolve to the longest match."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from nlu import lexicon
from nlu.rasa_yaml import TrainingData
from nlu.temporal import DATE_PATTERNS, NUM, TIME_PATTERN, adjust_hour, resolve_date, resolve_time, to_int
from nlu.types import Entity

# Ties between equally long matches go to the earlier type in this list.
PRIORITY = ["date", "time", "age", "quantity", "benefit", "economic", "disability", "living", "region",
            "meal", "diet", "visit_kind", "service", "relation", "part_of_day"]
_RANK = {t: i for i, t in enumerate(PRIORITY)}

# Surface forms too vague to stand alone: kept only when the utterance is about a home visit (and, for
# visit kinds, only when no clearer visit kind is named: 去医院 next to 陪诊 adds nothing).
WEAK = {
    ("visit_kind", s) for s in ("看看", "看一看", "看一下", "瞧瞧", "看病", "去医院", "伤口", "按摩", "翻身",
                                "洗衣服", "说说话", "就医", "复查", "拿药", "取药", "打针")
} | {("service", "上门")}
# 饭/餐 alone name the meal service only in talk about orders.
MEAL_WEAK = {("service", "饭"), ("service", "餐")}
ORDER_INTENTS = {"book_meal", "cancel_order", "modify_order", "check_order", "complain", "inform", None}
VISIT_CONTEXT_INTENTS = {"book_home_visit", "cancel_order", "modify_order", "check_order", "inform"}

# 中午/晚上/早上 name a meal when the utterance is about meals.
PART_TO_MEAL = {"noon": "lunch", "evening": "dinner"}
MORNING_MEAL_FORMS = {"早上", "早晨", "一早", "清早", "大清早"}
MEAL_CONTEXT = re.compile(r"[饭餐吃份]")
# 王奶奶, 李爷爷: somebody's name, not the caller's grandparent.
SURNAMES = set("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余"
               "潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")


@dataclass(frozen=True)
class Candidate:
    entity: str
    value: str
    start: int
    end: int

    @property
    def key(self) -> tuple[int, int, int]:
        return (-(self.end - self.start), _RANK.get(self.entity, 99), self.start)


QUANTITY = re.compile(
    rf"(?P<n>{NUM}|俩|仨)(?:个人的|人份|份儿?|碗|盒|顿|位|套|"
    r"个(?=饭|菜|盒饭|套餐|餐|的|就|吧|啊|呀|好|行|$|[,.，。 ]))"
)
QUANTITY_BARE = re.compile(r"(?:要|来|订|送|拿)(?P<n>俩|仨)")
AGE = re.compile(rf"(?P<n>{NUM})(?P<more>多)?(?:周岁|岁)")
_AGE_BEFORE = ("今年|年纪|年龄|已经|都|快|年满|满|有|过|年过|超过|上了|"
               "我|俺|他|她|妈|爸|伴|人|子|太|奶|爷|娘|爹|婆|公|姥")
AGE_SOFT = re.compile(rf"(?:{_AGE_BEFORE})\s?"
                      rf"(?P<n>{NUM})(?P<more>多)?(?=了|啦|岁|的|$|[,.，。 ])")
# A turn that is only a number from 50 to 120 answers "how old": 八十五, 92了.
AGE_ALONE = re.compile(rf"^\s*(?P<n>{NUM})(?P<more>多)?(?:了|啦|吧|啊)?\s*$")
_BAD_AFTER_DIAN = re.compile(r"儿|餐|菜|头|名|击|赞|滴|心|子|单|钱")


_RANGE = re.compile(r"\s*(?:到|至|~|-|—)\s*(?:下个?|这个?|本)?$")


def _ranges(s: str, chosen: list[Candidate]) -> list[Candidate]:
    """周一到周五: a range never ends before it starts (the end moves on by weeks)."""
    out = list(chosen)
    for i in range(1, len(out)):
        a, b = out[i - 1], out[i]
        weekday = any(w in s[b.start : b.end] for w in ("周", "星期", "礼拜"))
        if a.entity == b.entity == "date" and weekday and _RANGE.search(s[a.end : b.start]) and b.value < a.value:
            end, start = date.fromisoformat(b.value), date.fromisoformat(a.value)
            try:
                while end < start:
                    end += timedelta(days=7)
            except OverflowError:
                continue
            out[i] = Candidate("date", end.isoformat(), b.start, b.end)
    return out


class Extractor:
    def __init__(self, data: TrainingData):
        self.gazetteer: dict[str, tuple[str, str]] = {}
        for entity, forms in data.lookups.items():
            for form in forms:
                self.gazetteer.setdefault(form.lower(), (entity, data.synonyms.get(form, form)))
        for form, name in lexicon.region_index().items():
            self.gazetteer.setdefault(form, ("region", name))
        self.first: dict[str, list[int]] = {}
        for form in self.gazetteer:
            self.first.setdefault(form[0], []).append(len(form))
        for k in self.first:
            self.first[k] = sorted(set(self.first[k]), reverse=True)
        self.regexes: list[tuple[str, str, re.Pattern[str]]] = []
        for name, patterns in data.regexes.items():
            entity, _, value = name.partition(".")
            if value:
                for p in patterns:
                    self.regexes.append((entity, value, re.compile(p)))

    # -- candidates -------------------------------------------------------------------------------
    def _gazetteer(self, s: str) -> list[Candidate]:
        out = []
        n = len(s)
        for i, ch in enumerate(s):
            lengths = self.first.get(ch)
            if not lengths:
                continue
            for size in lengths:
                if i + size <= n:
                    hit = self.gazetteer.get(s[i : i + size])
                    if hit:
                        out.append(Candidate(hit[0], hit[1], i, i + size))
                        break
        return out

    def _temporal(self, s: str, ref: date) -> list[Candidate]:
        out = []
        for kind, rx in DATE_PATTERNS:
            for m in rx.finditer(s):
                try:
                    d = resolve_date(kind, m, ref)
                except (OverflowError, ValueError):  # 明天 of 9999-12-31
                    d = None
                if d is not None:
                    out.append(Candidate("date", d.isoformat(), m.start(), m.end()))
        for m in TIME_PATTERN.finditer(s):
            hm = resolve_time(m)
            if hm is None:
                continue
            end = m.end()
            sep = s[m.end("h")] if m.end("h") < len(s) else ""
            if sep in ":：" and not m.group("frac"):
                continue
            if sep == "点":
                after = s[end : end + 1]
                if not m.group("frac") and _BAD_AFTER_DIAN.match(after):
                    continue
                if m.group("h") in ("一", "1") and not m.group("frac"):
                    before = s[max(0, m.start() - 2) : m.start()]
                    if not (re.search(r"午|上|晚|早|夜|晨|到|在|是|约", before) or s[end : end + 1] == "钟"):
                        continue
            if sep == "时" and not m.group("frac") and not s[m.start() : end + 1].endswith("时"):
                continue
            out.append(Candidate("time", f"{hm[0]:02d}:{hm[1]:02d}", m.start(), end))
        for m in QUANTITY.finditer(s):
            v = {"俩": 2, "仨": 3}.get(m.group("n")) or to_int(m.group("n"))
            if v is not None and 0 < v <= 100:
                out.append(Candidate("quantity", str(v), m.start(), m.end()))
        for m in QUANTITY_BARE.finditer(s):
            out.append(Candidate("quantity", {"俩": "2", "仨": "3"}[m.group("n")], m.start("n"), m.end("n")))
        for m in AGE.finditer(s):
            v = to_int(m.group("n"))
            if v is not None and 0 < v <= 120:
                out.append(Candidate("age", str(v), m.start(), m.end()))
        m = AGE_ALONE.match(s)
        if m:
            v = to_int(m.group("n"))
            if v is not None and 50 <= v <= 120:
                out.append(Candidate("age", str(v), m.start("n"), m.end("more") if m.group("more") else m.end("n")))
        for m in AGE_SOFT.finditer(s):
            v = to_int(m.group("n"))
            if v is not None and 50 <= v <= 120:
                end = m.end("more") if m.group("more") else m.end("n")
                out.append(Candidate("age", str(v), m.start("n"), end))
        return out

    def _regex(self, s: str) -> list[Candidate]:
        out = []
        for entity, value, rx in self.regexes:
            for m in rx.finditer(s):
                if m.end() > m.start():
                    out.append(Candidate(entity, value, m.start(), m.end()))
        return out

    # -- resolution -------------------------------------------------------------------------------
    def extract(self, original: str, s: str, ref: date, intent: str | None = None) -> list[Entity]:
        return self.contextualise(original, s, self.candidates(s, ref), intent)

    def candidates(self, s: str, ref: date) -> list[Candidate]:
        """Every non-overlapping match, longest first, before context decides (intent-independent)."""
        cands = self._gazetteer(s) + self._temporal(s, ref) + self._regex(s)
        chosen: list[Candidate] = []
        taken = bytearray(len(s))
        for c in sorted(cands, key=lambda c: c.key):
            if any(taken[c.start : c.end]):
                continue
            chosen.append(c)
            taken[c.start : c.end] = b"\x01" * (c.end - c.start)
        chosen.sort(key=lambda c: c.start)
        return _ranges(s, chosen)

    def contextualise(self, original: str, s: str, chosen: list[Candidate], intent: str | None) -> list[Entity]:
        types = {c.entity for c in chosen}
        services = {c.value for c in chosen if c.entity == "service" and (c.entity, s[c.start : c.end]) not in WEAK}
        visit_context = intent in VISIT_CONTEXT_INTENTS and not (services - {"home_visit"})
        visit_context = visit_context or "home_visit" in services or (
            "visit_kind" in types and intent == "book_home_visit")
        explicit_meal = "meal" in types
        meal_context = ("meal" in services or "meal" in types or intent == "book_meal"
                        or bool(MEAL_CONTEXT.search(s)))
        # the part of day (or meal) that governs each clock time
        hints = [(c.start, c.value) for c in chosen if c.entity in ("part_of_day", "meal")]
        strong_visit = any(c.entity == "visit_kind" and (c.entity, s[c.start : c.end]) not in WEAK for c in chosen)
        out: list[Entity] = []
        for c in chosen:
            entity, value = c.entity, c.value
            surface = s[c.start : c.end]
            if (entity, surface) in WEAK and (not visit_context or (entity == "visit_kind" and strong_visit)):
                continue  # 去医院 next to 陪诊 says nothing more; 看看 alone is not a visit
            if entity == "part_of_day" and (s[c.start - 1 : c.start] == "整" or (
                    s[c.start - 1 : c.start] == "一" and s[c.start - 2 : c.start - 1] not in tuple("周期拜号日"))):
                continue  # 等了一上午: a duration (but 周一上午 is a date and a part of day)
            if (entity, surface) in MEAL_WEAK and (
                    intent not in ORDER_INTENTS or s[c.start - 1 : c.start] in ("做", "吃", "烧", "煮")
                    or s[c.end : c.end + 1] in ("店", "馆", "厅")):
                continue
            after = s[c.end : c.end + 1]
            if entity in ("service", "visit_kind") and (
                    after == "员" or (after == "师" and s[c.end + 1 : c.end + 2] != "傅")):
                continue  # 护理员, 助浴师: a person, not the service (but 陪诊师傅 is still about 陪诊)
            if entity == "relation" and surface in ("奶奶", "爷爷", "婆婆", "公公", "阿婆", "阿公") and (
                    s[c.start - 1 : c.start] in SURNAMES):
                continue
            if entity == "part_of_day" and after == "好" and s[c.end : c.end + 2] != "好的":
                continue  # 早上好: a greeting
            if entity == "part_of_day" and meal_context and not explicit_meal:
                if value in PART_TO_MEAL:
                    entity, value = "meal", PART_TO_MEAL[value]
                elif surface in MORNING_MEAL_FORMS:
                    entity, value = "meal", "breakfast"
            if entity == "quantity" and intent and intent.startswith("ask_") and value == "1":
                continue  # 一份多少钱, 一顿补几块: a unit of price, not an order
            if entity == "time":
                before = [v for start, v in hints if start < c.start]
                hint = before[-1] if before else (hints[0][1] if hints else None)
                h, m = value.split(":")
                value = f"{adjust_hour(int(h), hint):02d}:{m}"
            out.append(Entity(entity, value, c.start, c.end, original[c.start : c.end]))
        return out
