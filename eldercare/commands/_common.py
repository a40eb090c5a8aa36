"""Shared pieces for sub-commands (not a sub-command itself)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from eldercare.settings import Settings


def add_db(parser: argparse.ArgumentParser) -> None:
    """Accept ``--db URL`` after the sub-command name too."""
    parser.add_argument("--db", dest="db", default=argparse.SUPPRESS, help="SQLAlchemy URL")


def settings_from(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if getattr(args, "db", None):
        settings.db_url = args.db
    return settings


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()
