"""Policy documents: a file (.txt, .md, .html) plus a metadata record (YAML) each.

A document directory holds ``<doc_id>.<ext>`` with ``<doc_id>.yml`` beside it. The shipped corpus lives
in ``knowledge/corpus``; documents a city ingests go to ``<data dir>/kb/docs``.
"""

from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from knowledge.clauses import Clause, split_clauses
from knowledge.cleaning import DOC_NO, TITLE_SUFFIX, clean
from knowledge.errors import InvalidRequest

SUFFIXES = (".txt", ".md", ".html", ".htm")
VALID = "在效"
PILOT_OVER = "试点期已过"
EXPIRED = "已失效"
NOT_YET = "尚未施行"
UNKNOWN = "未知"


@dataclass(frozen=True)
class DocumentMeta:
    doc_id: str
    title: str
    issuer: str | None = None
    region: str | None = None
    doc_no: str | None = None
    issued: date | None = None
    effective: date | None = None
    expires: date | None = None
    pilot_start: date | None = None
    pilot_end: date | None = None
    validity: str | None = None
    """Set to force a validity (``在效``/``试点期已过``/``未知``…); otherwise judged from the dates."""
    source: str | None = None

    def validity_on(self, today: date) -> str:
        if self.validity:
            return self.validity
        if self.pilot_end and today > self.pilot_end:
            return PILOT_OVER
        if self.expires and today > self.expires:
            return EXPIRED
        start = self.effective or self.pilot_start or self.issued
        if start and today < start:
            return NOT_YET
        return VALID if start else UNKNOWN

    def to_record(self) -> dict[str, Any]:
        pilot = None
        if self.pilot_start or self.pilot_end:
            pilot = {"start": self.pilot_start, "end": self.pilot_end}
        return {
            "title": self.title,
            "issuer": self.issuer,
            "region": self.region,
            "doc_no": self.doc_no,
            "issued": self.issued,
            "effective": self.effective,
            "expires": self.expires,
            "pilot": pilot,
            "validity": self.validity,
            "source": self.source,
        }


def _date(value: Any, what: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise InvalidRequest(f"元数据里的{what}“{value}”不是 YYYY-MM-DD 格式的日期") from exc


def meta_from_record(doc_id: str, record: dict[str, Any]) -> DocumentMeta:
    if not isinstance(record, dict):
        raise InvalidRequest(f"文件 {doc_id} 的元数据应当是键值对")
    if not record.get("title"):
        raise InvalidRequest(f"文件 {doc_id} 的元数据缺少标题 title")
    pilot = record.get("pilot") or {}
    if not isinstance(pilot, dict):
        raise InvalidRequest(f"文件 {doc_id} 的试点期 pilot 应写成 {{start: 日期, end: 日期}}")
    region = record.get("region")
    if region:
        from nlu.lexicon import canonical_region

        region = canonical_region(str(region)) or str(region)
    return DocumentMeta(
        doc_id=doc_id,
        title=str(record["title"]).strip(),
        issuer=record.get("issuer"),
        region=region or None,
        doc_no=record.get("doc_no") or None,
        issued=_date(record.get("issued"), "发文日期"),
        effective=_date(record.get("effective"), "施行日期"),
        expires=_date(record.get("expires"), "失效日期"),
        pilot_start=_date(pilot.get("start"), "试点开始日期"),
        pilot_end=_date(pilot.get("end"), "试点结束日期"),
        validity=record.get("validity") or None,
        source=record.get("source"),
    )


class _TextExtractor(HTMLParser):
    BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "td"})
    SKIP = frozenset({"script", "style", "noscript", "head"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def to_plain_text(raw: str, suffix: str) -> str:
    """HTML and Markdown become plain text with one paragraph per line."""
    suffix = suffix.lower()
    if suffix in (".html", ".htm"):
        parser = _TextExtractor()
        parser.feed(raw)
        text = html.unescape("".join(parser.parts))
        return "\n".join(ln.strip() for ln in text.splitlines())
    if suffix == ".md":
        out = []
        for ln in raw.splitlines():
            ln = re.sub(r"^\s{0,3}#{1,6}\s*", "", ln)
            ln = re.sub(r"^\s*[-*+]\s+", "", ln)
            ln = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), ln)
            ln = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", ln)
            out.append(ln)
        return "\n".join(out)
    return raw


def guess_meta(doc_id: str, text: str) -> dict[str, Any]:
    """A metadata record read off the cleaned text when none is given: title, 文号, date, region."""
    from nlu.lexicon import regions

    lines = text.splitlines()[:12]
    title = next((ln for ln in lines if TITLE_SUFFIX.search(ln) and len(ln) <= 80), lines[0] if lines else doc_id)
    m = DOC_NO.search("\n".join(lines))
    d = re.search(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", "\n".join(text.splitlines()[:20]))
    issued = date(int(d.group(1)), int(d.group(2)), int(d.group(3))) if d else None
    region = None
    for r in sorted(regions(), key=lambda r: -len(r.name)):
        if any(form in title for form in r.surface_forms if len(form) >= 2):
            region = r.name
            break
    return {"title": title, "doc_no": m.group(0) if m else None, "issued": issued, "effective": issued,
            "region": region, "source": None}


@dataclass
class Document:
    meta: DocumentMeta
    raw: str
    path: Path | None = None
    text: str = ""
    """Cleaned text."""
    clauses: list[Clause] = field(default_factory=list)

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id

    @classmethod
    def from_text(cls, meta: DocumentMeta, raw: str, suffix: str = ".txt", path: Path | None = None) -> Document:
        cleaned = clean(to_plain_text(raw, suffix))
        doc = cls(meta=meta, raw=raw, path=path, text=cleaned.text)
        doc.clauses = split_clauses(meta.doc_id, cleaned.text)
        return doc


def load_dir(directory: Path) -> list[Document]:
    """Every document file with its ``.yml`` record in ``directory`` (sorted by id)."""
    docs = []
    if not directory.is_dir():
        return docs
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() not in SUFFIXES:
            continue
        meta_path = path.with_suffix(".yml")
        raw = path.read_text(encoding="utf-8", errors="replace")
        if meta_path.exists():
            record = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
        else:
            record = guess_meta(path.stem, clean(to_plain_text(raw, path.suffix)).text)
        docs.append(Document.from_text(meta_from_record(path.stem, record), raw, path.suffix, path))
    return docs


def slug(name: str) -> str:
    s = re.sub(r"[^0-9A-Za-z\u4e00-\u9fff_-]+", "-", name).strip("-")
    return s or "doc"


def ingest(paths: list[Path], target: Path, meta: dict[str, Any] | None = None) -> list[DocumentMeta]:
    """Copy documents into ``target`` with a metadata record each; return their metadata.

    ``meta`` is one record (for a single file), or ``{file name: record}``, or ``{"documents": [records
    with a "file" key]}``. Fields missing from a record are read off the document (title, 文号, date).
    """
    records: dict[str, dict[str, Any]] = {}
    if meta:
        if "documents" in meta:
            records = {Path(r["file"]).name: r for r in meta["documents"]}
        elif "title" in meta or "region" in meta:
            if len(paths) != 1:
                raise InvalidRequest("只有一个元数据记录时，一次只能导入一个文件")
            records = {paths[0].name: meta}
        else:
            records = {Path(k).name: v for k, v in meta.items()}
    target.mkdir(parents=True, exist_ok=True)
    out = []
    for path in paths:
        if not path.is_file():
            raise InvalidRequest(f"找不到文件 {path}")
        if path.suffix.lower() not in SUFFIXES:
            raise InvalidRequest(f"不支持的文件类型 {path.suffix}（支持 .txt .md .html）")
        raw = path.read_text(encoding="utf-8", errors="replace")
        record = dict(records.get(path.name) or {})
        doc_id = slug(str(record.pop("doc_id", None) or path.stem))
        guessed = guess_meta(doc_id, clean(to_plain_text(raw, path.suffix)).text)
        for k, v in guessed.items():
            record.setdefault(k, v)
        record.setdefault("source", str(path))
        m = meta_from_record(doc_id, record)
        Document.from_text(m, raw, path.suffix)  # fails here, before copying, if the file is unusable
        shutil.copyfile(path, target / f"{doc_id}{path.suffix.lower()}")
        (target / f"{doc_id}.yml").write_text(
            yaml.safe_dump(m.to_record(), allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        out.append(m)
    return out
