"""Text normalisation that keeps character offsets into the original text.

``surface(text)`` returns a string of exactly the same length as ``text`` (full-width → half-width,
Traditional → Simplified, lower case, homophone repair), so an entity found at ``[i, j)`` in it is
``text[i:j]`` in the original. ``for_classifier(text)`` goes further (fillers dropped, dialect words
mapped) and may change length: it feeds only the intent classifier.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_CHARS = 10_000


@cache
def config() -> dict:
    text = resources.files("nlu.data.lexicon").joinpath("normalize.yml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=_Loader) or {}


@cache
def _opencc():
    try:
        import opencc

        return opencc.OpenCC("t2s")
    except Exception:  # pragma: no cover - opencc is a declared dependency
        return None


def _halfwidth(ch: str) -> str:
    """Full-width → half-width; control characters → space; lone surrogates → U+FFFD (1:1)."""
    o = ord(ch)
    if 0xFF01 <= o <= 0xFF5E:
        return chr(o - 0xFEE0)
    if o == 0x3000 or o < 0x20 or 0x7F <= o < 0xA0:
        return " "
    if 0xD800 <= o <= 0xDFFF:
        return "\ufffd"
    return ch


_CJK = re.compile(r"[\u3400-\u9fff]")


def _t2s(text: str) -> str:
    cc = _opencc()
    if cc is None or not _CJK.search(text):
        return text
    out = cc.convert(text)
    if len(out) == len(text):
        return out
    # A phrase conversion changed the length: convert character by character instead.
    chars = []
    for ch in text:
        c = cc.convert(ch) if _CJK.match(ch) else ch
        chars.append(c if len(c) == 1 else ch)
    return "".join(chars)


@lru_cache(maxsize=8192)
def _pinyin(ch: str) -> str:
    from pypinyin import lazy_pinyin

    if not _CJK.match(ch):
        return ""
    py = lazy_pinyin(ch)
    return py[0] if py else ""


@cache
def _homophone_index() -> tuple[dict[tuple[str, ...], str], tuple[int, ...], tuple[str, ...], dict[str, str],
                               frozenset[str]]:
    cfg = config()
    index: dict[tuple[str, ...], str] = {}
    for term in cfg.get("homophone_terms", []):
        key = tuple(_pinyin(c) for c in term)
        if all(key):
            index.setdefault(key, term)
    lengths = tuple(sorted({len(k) for k in index}, reverse=True))
    fixed = {k: v for k, v in (cfg.get("homophone_fixed") or {}).items() if len(k) == len(v)}
    firsts = frozenset(k[0] for k in index)
    return index, lengths, tuple(cfg.get("homophone_exceptions", [])), fixed, firsts


def _in_exception(text: str, i: int, j: int, exceptions: tuple[str, ...]) -> bool:
    for ex in exceptions:
        lo = max(0, i - len(ex) + 1)
        pos = text.find(ex, lo, j + len(ex))
        while pos != -1 and pos < j:
            if pos <= i and pos + len(ex) >= j:
                return True
            pos = text.find(ex, pos + 1, j + len(ex))
    return False


def repair_homophones(text: str) -> str:
    """主餐 → 助餐, 住浴 → 助浴: same-sounding windows sharing a character with a domain term."""
    index, lengths, exceptions, fixed, firsts = _homophone_index()
    if not _CJK.search(text):
        return text
    chars = list(text)
    for wrong, right in fixed.items():
        if wrong[0] not in text:
            continue
        pos = text.find(wrong)
        while pos != -1:
            if not _in_exception(text, pos, pos + len(wrong), exceptions):
                chars[pos : pos + len(wrong)] = right
            pos = text.find(wrong, pos + 1)
    text = "".join(chars)
    pys = [_pinyin(c) for c in text]
    n = len(text)
    i = 0
    while i < n:
        if pys[i] not in firsts:
            i += 1
            continue
        done = False
        for size in lengths:
            if i + size > n:
                continue
            key = tuple(pys[i : i + size])
            term = index.get(key)
            if term is None:
                continue
            window = text[i : i + size]
            if (window != term and any(a == b for a, b in zip(window, term, strict=True))
                    and not _in_exception(text, i, i + size, exceptions)):
                chars[i : i + size] = term
            i += size
            done = True
            break
        if not done:
            i += 1
    return "".join(chars)


def surface(text: str) -> str:
    """Same-length normalisation for entity extraction (offsets map 1:1 onto ``text``)."""
    text = "".join(_halfwidth(c) for c in text).lower()
    text = _t2s(text)
    return repair_homophones(text)


@cache
def _fillers() -> re.Pattern[str]:
    words = sorted(config().get("fillers", []), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))) if words else re.compile(r"(?!x)x")


@cache
def _dialect() -> tuple[re.Pattern[str], dict[str, str], list[tuple[re.Pattern[str], str]]]:
    mapping = config().get("dialect") or {}
    words = sorted(mapping, key=len, reverse=True)
    pattern = re.compile("|".join(map(re.escape, words))) if words else re.compile(r"(?!x)x")
    whole = [(re.compile(k), v) for k, v in (config().get("dialect_whole") or {}).items()]
    return pattern, mapping, whole


_PUNCT = re.compile(r"[\s\u3000-\u303f\uff00-\uff0f\uff1a-\uff20!-/:-@\[-`{-~…—·]+")


def for_classifier(surface_text: str) -> str:
    """Filler-free, dialect-mapped, punctuation-free text for the intent classifier."""
    t = _PUNCT.sub(" ", surface_text).strip()
    pattern, mapping, whole = _dialect()
    t = pattern.sub(lambda m: mapping[m.group(0)], t)
    compact = t.replace(" ", "")
    for rx, repl in whole:
        if rx.match(compact):
            return repl
    stripped = _fillers().sub(" ", t)
    stripped = re.sub(r"\s+", " ", stripped).strip()
    return stripped or t
