"""``eldercare nlu parse|test|train``: the built-in NLU from the command line (logic lives in nlu/)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from eldercare.commands._common import add_db, print_json


def _today() -> date:
    from nlu.model import today_in_shanghai

    return today_in_shanghai()


def _backend():
    """The configured NLU: built-in, or a Rasa server when ELDERCARE_NLU_BACKEND=rasa."""
    from integrations.rasa import backend_from_env

    return backend_from_env()


def cmd_parse(args: argparse.Namespace) -> int:
    ref = date.fromisoformat(args.reference_date) if args.reference_date else _today()
    nlu = _backend()
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        print_json(nlu.parse(text, ref).to_rasa())
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from nlu import load
    from nlu.evaluate import DEFAULT_TEST, evaluate, load_test

    data, ref = load_test(Path(args.data) if args.data else DEFAULT_TEST)
    if args.reference_date:
        ref = date.fromisoformat(args.reference_date)
    report = evaluate(load(), data, ref)
    if args.json:
        print_json(report.to_dict())
    else:
        print(report.to_text())
        if args.errors:
            print("\nErrors")
            for e in report.errors:
                print("  " + json.dumps(e, ensure_ascii=False))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    import time

    from nlu import load

    t0 = time.perf_counter()
    nlu = load(Path(args.data) if args.data else None, use_cache=not args.no_cache)
    print_json({"intents": len(nlu.model.classes), "examples": len(nlu.data.examples),
                "features": len(nlu.model.vocab), "temperature": round(nlu.model.temperature, 3),
                "seconds": round(time.perf_counter() - t0, 2)})
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("nlu", help="中文意图与实体识别 (Rasa-compatible parse)")
    sub = parser.add_subparsers(dest="nlu_command", required=True)

    p = sub.add_parser("parse", help="one utterance per stdin line → one Rasa-shaped JSON object per line")
    p.add_argument("--reference-date", default=None, help="YYYY-MM-DD that 今天 means (default: today, Shanghai)")
    add_db(p)
    p.set_defaults(func=cmd_parse)

    t = sub.add_parser("test", help="evaluate on the held-out test data like `rasa test nlu`")
    t.add_argument("--data", default=None, help="Rasa YAML file or folder (default: nlu/data/test)")
    t.add_argument("--reference-date", default=None, help="override the file's `# reference_date:`")
    t.add_argument("--json", action="store_true", help="print the report as JSON")
    t.add_argument("--errors", action="store_true", help="list every misclassified utterance")
    add_db(t)
    t.set_defaults(func=cmd_test)

    r = sub.add_parser("train", help="train (or load from cache) the built-in model and print its size")
    r.add_argument("--data", default=None, help="folder of Rasa YAML training files (default: nlu/data)")
    r.add_argument("--no-cache", action="store_true", help="retrain even if a cached model exists")
    add_db(r)
    r.set_defaults(func=cmd_train)
