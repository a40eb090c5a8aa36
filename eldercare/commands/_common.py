"""Shared pieces for sub-commands (not a sub-command itself)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from care.catalog import TZ
from care.db import SessionFactory
from care.errors import CareError
from eldercare.database import ensure_ready, open_database
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


def now_from(text: str | None) -> datetime:
    """``--now`` as an aware datetime in the service's zone; default the real clock."""
    if not text:
        return datetime.now(TZ)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=TZ)


def run_with_db(
    args: argparse.Namespace, work: Callable[[SessionFactory], Awaitable[int]], now: datetime | None = None
) -> int:
    """Make the database ready (schema, demo data), then run ``work`` with a session factory."""
    url = settings_from(args).database_url()
    ensure_ready(url, now)

    async def _main() -> int:
        engine, sessions = open_database(url)
        try:
            return await work(sessions)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(_main())
    except CareError as error:
        sys.stderr.write(f"{error.message_zh} ({error.message_en})\n")
        return 2
