"""Numbers, dates and clock times in Chinese, resolved against a reference date (pure, no clock)."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import lru_cache

DIGITS = "零〇一二两三四五六七八九十百千0123456789"
NUM = r"(?:[0-9]{1,4}|[零〇一二两三四五六七八九十百千]{1,6})"
_CN = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
       "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


@lru_cache(maxsize=4096)
def to_int(s: str) -> int | None:
    """'八十三' → 83, '两' → 2, '12' → 12, '一二' → 12; None when not a number."""
    if not s:
        return None
    if s.isdigit() and s.isascii():
        return int(s)
    try:
        import cn2an

        value = cn2an.cn2an(s, "smart")
        if float(value).is_integer():
            return int(value)
    except Exception:
        pass
    # Fallback: positional Chinese numerals and digit-by-digit readings (一二 → 12).
    if all(c in _CN for c in s):
        return int("".join(str(_CN[c]) for c in s))
    total, current = 0, 0
    for c in s:
        if c in _CN:
            current = _CN[c]
        elif c in _UNITS:
            total += (current or 1) * _UNITS[c]
            current = 0
        else:
            return None
    return total + current


WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5,
            "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}

RELATIVE_DAYS = {
    "今天": 0, "今日": 0, "今儿": 0, "今儿个": 0, "当天": 0,
    "明天": 1, "明日": 1, "明儿": 1, "明儿个": 1, "明个": 1, "明天个": 1, "第二天": 1, "次日": 1, "明早": 1, "明晚": 1,
    "后天": 2, "后日": 2, "后儿": 2, "后儿个": 2,
    "大后天": 3, "大大后天": 4,
    "昨天": -1, "昨日": -1, "昨儿": -1, "昨儿个": -1, "昨晚": -1,
    "前天": -2, "前日": -2, "大前天": -3,
}

_REL = "|".join(sorted(map(re.escape, RELATIVE_DAYS), key=len, reverse=True))
# 3号楼, 5号床, 日子, 日常: a number before these is not a day of the month.
_NOT_A_DAY = "子|常|本|期|语|元|文|记|报|楼|线|门|房|床|窗|机|院|位|码|车|口|单元|馆|厅|店|桌|柜|病房|公交"
DATE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"(?P<y>20[0-9]{2})[-/.年](?P<m>[0-9]{1,2})[-/.月](?P<d>[0-9]{1,2})[日号]?")),
    ("month_day", re.compile(rf"(?P<next>下个?月)?(?P<m>{NUM})月(?:份)?(?P<d>{NUM})(?:号|日)?")),
    ("next_month_day", re.compile(rf"(?P<next>下个?月|这个?月|本月)(?P<d>{NUM})(?:号|日)")),
    ("weekday", re.compile(r"(?<![一二两三四五六七八九十0-9每个])(?P<pre>下下个?|下个?|上个?|这个?|本|今|来)?"
                           r"(?P<w>周|星期|礼拜)(?P<d>[一二三四五六日天末1-7])")),
    ("weekend", re.compile(r"(?P<pre>下下个?|下个?|这个?|本)?周末")),
    ("day", re.compile(rf"(?P<d>{NUM})(?:号|日)(?!{_NOT_A_DAY})")),
    ("relative", re.compile(rf"(?:{_REL})")),
]


def _safe(y: int, m: int, d: int) -> date | None:
    if not (1 <= m <= 12) or not (1 <= d <= calendar.monthrange(y, m)[1]):
        return None
    return date(y, m, d)


def resolve_date(kind: str, m: re.Match[str], ref: date) -> date | None:
    g = m.groupdict()
    if kind == "relative":
        return ref + timedelta(days=RELATIVE_DAYS[m.group(0)])
    if kind == "iso":
        return _safe(int(g["y"]), int(g["m"]), int(g["d"]))
    if kind == "month_day":
        month, day = to_int(g["m"]), to_int(g["d"])
        if month is None or day is None:
            return None
        d = _safe(ref.year, month, day)
        if d is None:
            return None
        if (ref - d).days > 60:  # 1月5号 said in November means next January
            d = _safe(ref.year + 1, month, day)
        return d
    if kind == "next_month_day":
        day = to_int(g["d"])
        if day is None:
            return None
        if g["next"].startswith("下"):
            y, mo = (ref.year + 1, 1) if ref.month == 12 else (ref.year, ref.month + 1)
        else:
            y, mo = ref.year, ref.month
        return _safe(y, mo, day)
    if kind == "weekday" or kind == "weekend":
        pre = (g.get("pre") or "").rstrip("个")
        wd = 5 if kind == "weekend" else WEEKDAYS[g["d"]]
        monday = ref - timedelta(days=ref.weekday())
        if pre in ("下下",):
            return monday + timedelta(days=14 + wd)
        if pre in ("下", "来"):
            return monday + timedelta(days=7 + wd)
        if pre == "上":
            return monday + timedelta(days=-7 + wd)
        if pre in ("这", "本", "今"):
            return monday + timedelta(days=wd)
        # bare 星期五 / 周末: the next such day, today included
        if kind == "weekend" and ref.weekday() >= 5:
            return ref
        return ref + timedelta(days=(wd - ref.weekday()) % 7)
    if kind == "day":
        day = to_int(g["d"])
        if day is None or not 1 <= day <= 31:
            return None
        d = _safe(ref.year, ref.month, day)
        if d is not None and d >= ref - timedelta(days=3):
            return d
        if d is not None and day < ref.day:
            y, mo = (ref.year + 1, 1) if ref.month == 12 else (ref.year, ref.month + 1)
            return _safe(y, mo, day)
        return d
    return None


TIME_PATTERN = re.compile(
    rf"(?P<h>{NUM})(?:点|时|:|：)(?:钟)?(?P<frac>半|一刻|三刻|整|过?[0-9]{{1,2}}(?:分)?|[零〇一二三四五六七八九十]{{1,3}}分?)?"
)


def resolve_time(m: re.Match[str]) -> tuple[int, int] | None:
    hour = to_int(m.group("h"))
    if hour is None or not 0 <= hour <= 24:
        return None
    frac = m.group("frac") or ""
    minute = 0
    if frac == "半":
        minute = 30
    elif frac == "一刻":
        minute = 15
    elif frac == "三刻":
        minute = 45
    elif frac and frac != "整":
        v = to_int(frac.lstrip("过").rstrip("分"))
        if v is None or not 0 <= v < 60:
            return None
        minute = v
    return hour % 24 if hour != 24 else 0, minute


def adjust_hour(hour: int, part_of_day: str | None) -> int:
    """Three o'clock in the afternoon is 15:00; without a part of day it stays 03:00."""
    if part_of_day in ("afternoon", "evening", "dinner") and hour < 12:
        return hour + 12
    if part_of_day in ("noon", "lunch") and 1 <= hour <= 3:
        return hour + 12
    return hour
