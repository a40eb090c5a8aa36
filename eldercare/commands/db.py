"""``eldercare db upgrade`` and ``eldercare demo load``."""

from __future__ import annotations

import argparse
import asyncio

from care.demo import is_empty, load_demo
from eldercare.commands._common import add_db, now_from, print_json, settings_from
from eldercare.database import open_database, upgrade


def _upgrade(args: argparse.Namespace) -> int:
    upgrade(settings_from(args).database_url())
    print("数据库已是最新结构。")
    return 0


def _demo(args: argparse.Namespace) -> int:
    url = settings_from(args).database_url()
    upgrade(url)

    async def _load() -> int:
        engine, sessions = open_database(url)
        try:
            async with sessions() as session:
                empty = await is_empty(session)
            if not empty:
                print("数据库里已经有数据，没有再加载演示数据。")
                return 0 if args.if_empty else 1
            print_json(await load_demo(sessions, now_from(None)))
            return 0
        finally:
            await engine.dispose()

    return asyncio.run(_load())


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="数据库结构").add_subparsers(dest="db_command", required=True)
    p = db.add_parser("upgrade", help="升级到最新结构 (Alembic)")
    add_db(p)
    p.set_defaults(func=_upgrade)
    demo = sub.add_parser("demo", help="演示数据").add_subparsers(dest="demo_command", required=True)
    p = demo.add_parser("load", help="把演示数据装入空数据库")
    p.add_argument("--if-empty", action="store_true", help="数据库不空时什么也不做")
    add_db(p)
    p.set_defaults(func=_demo)
