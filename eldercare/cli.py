"""The ``eldercare`` command. Each module of ``eldercare.commands`` adds its sub-commands."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from eldercare import commands
from eldercare.logging import configure


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eldercare", description="养老服务助手 eldercare")
    parser.add_argument("--db", dest="db", default=None, help="SQLAlchemy URL (env ELDERCARE_DB_URL)")
    parser.add_argument("--log-level", default=None)
    sub = parser.add_subparsers(dest="command", required=True)
    modules = sorted(m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_"))
    for name in modules:
        module = importlib.import_module(f"{commands.__name__}.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Chinese must survive pipes whatever the locale says.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    parser = build_parser()
    args = parser.parse_args(argv)
    configure(args.log_level or "WARNING")
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
