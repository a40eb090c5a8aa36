"""``eldercare ask`` · ``eldercare eligibility`` · ``eldercare kb ingest|list|validate``.

Thin: the logic lives in ``knowledge/``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import yaml

from eldercare.commands._common import add_db, print_json, settings_from

STATUS_WORDS = {
    "eligible": "符合",
    "not_eligible": "不符合",
    "need_info": "还需要了解",
    "unspecified": "文件未写明条件",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    ask = subparsers.add_parser("ask", help="政策问答：回答并引用文件条款")
    ask.add_argument("question", nargs="+", help="问题，例如 尊老金怎么领")
    ask.add_argument("--region", default=None, help="地区，例如 连云港市")
    ask.add_argument("--today", type=date.fromisoformat, default=None, help="以哪一天判断文件效力 (YYYY-MM-DD)")
    ask.add_argument("--json", action="store_true", help="输出 JSON（CONTRACTS 第3节）")
    add_db(ask)
    ask.set_defaults(func=cmd_ask)

    el = subparsers.add_parser("eligibility", help="看看能享受哪些养老福利")
    el.add_argument("--region", required=True, help="地区，例如 连云港市")
    el.add_argument("--profile", default="{}", help='JSON，例如 {"age": 83, "living": "alone", "economic": "dibao"}')
    el.add_argument("--today", type=date.fromisoformat, default=None)
    el.add_argument("--json", action="store_true", help="输出 JSON（CONTRACTS 第4节）")
    add_db(el)
    el.set_defaults(func=cmd_eligibility)

    kb = subparsers.add_parser("kb", help="政策知识库：导入、列出、校验文件")
    sub = kb.add_subparsers(dest="kb_command", required=True)
    ingest = sub.add_parser("ingest", help="导入政策文件 (.txt .md .html)")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--meta", type=Path, default=None, help="元数据 YAML（标题、发文单位、地区、文号、日期…）")
    ingest.add_argument("--rules", type=Path, action="append", default=[], help="该地区的资格规则 YAML")
    add_db(ingest)
    ingest.set_defaults(func=cmd_ingest)
    ls = sub.add_parser("list", help="列出知识库里的文件")
    ls.add_argument("--json", action="store_true")
    add_db(ls)
    ls.set_defaults(func=cmd_list)
    val = sub.add_parser("validate", help="校验资格规则：每条引文都要在文件原文里")
    add_db(val)
    val.set_defaults(func=cmd_validate)


def _kb_dir(args: argparse.Namespace) -> Path:
    return settings_from(args).data_dir


def _load(args: argparse.Namespace):
    from knowledge import KnowledgeBase

    return KnowledgeBase.load(_kb_dir(args))


def _fail(message: str) -> int:
    sys.stderr.write(f"错误：{message}\n")
    return 2


def cmd_ask(args: argparse.Namespace) -> int:
    from knowledge import InvalidRequest

    try:
        answer = _load(args).ask(" ".join(args.question), region=args.region, today=args.today)
    except InvalidRequest as exc:
        return _fail(str(exc))
    if args.json:
        print_json(answer.to_dict())
        return 0
    print(answer.answer)
    for c in answer.citations[:1]:
        no = f"（{c.doc_no}）" if c.doc_no else ""
        print(f"\n出处：《{c.title}》{no} {c.clause}　[{c.valid}]\n原文：{c.quote}")
    return 0


def cmd_eligibility(args: argparse.Namespace) -> int:
    from knowledge import InvalidRequest

    try:
        profile = json.loads(args.profile)
    except json.JSONDecodeError as exc:
        return _fail(f"--profile 不是合法的 JSON：{exc.msg}")
    try:
        result = _load(args).eligibility(args.region, profile, today=args.today)
    except InvalidRequest as exc:
        return _fail(str(exc))
    if args.json:
        print_json(result.to_dict())
        return 0
    if not result.benefits:
        print(f"暂时没有{result.region}的资格规则。建议您咨询当地民政局，或拨打12349养老服务热线。")
    for b in result.benefits:
        amount = f"（{b.amount}）" if b.amount else ""
        print(f"· {b.name}：{STATUS_WORDS[b.status]}{amount}")
        for r in b.reasons:
            print(f"    {r}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from knowledge import InvalidRequest, KnowledgeBase
    from knowledge.documents import ingest
    from knowledge.eligibility import parse_rules

    kb_dir = _kb_dir(args) / "kb"
    try:
        meta = yaml.safe_load(args.meta.read_text(encoding="utf-8")) if args.meta else None
        metas = ingest(list(args.paths), kb_dir / "docs", meta)
        for path in args.rules:
            rules = parse_rules(yaml.safe_load(path.read_text(encoding="utf-8")) or {}, path)
            target = kb_dir / "rules" / f"{rules.region}.yaml"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        problems = KnowledgeBase.load(_kb_dir(args)).validate()
    except (InvalidRequest, OSError, yaml.YAMLError) as exc:
        return _fail(str(exc))
    for m in metas:
        print(f"已导入 {m.doc_id}：《{m.title}》 地区={m.region or '未知'} 文号={m.doc_no or '无'}")
    for p in problems:
        print(f"规则问题：{p}", file=sys.stderr)
    return 1 if problems else 0


def cmd_list(args: argparse.Namespace) -> int:
    kb = _load(args)
    from knowledge.base import shanghai_today

    today = shanghai_today()
    rows = [
        {"doc_id": d.doc_id, "title": d.meta.title, "region": d.meta.region, "doc_no": d.meta.doc_no,
         "issued": d.meta.issued.isoformat() if d.meta.issued else None, "valid": d.meta.validity_on(today),
         "clauses": len(d.clauses)}
        for d in kb.documents
    ]
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        print(f"{r['doc_id']}\t{r['region'] or '未知'}\t{r['doc_no'] or '无文号'}\t{r['valid']}\t"
              f"{r['clauses']}条\t《{r['title']}》")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    problems = _load(args).validate()
    for p in problems:
        print(p)
    if not problems:
        print("规则校验通过：每条引文都在文件原文中。")
    return 1 if problems else 0
