"""``eldercare serve``: the whole service in one process."""

from __future__ import annotations

import argparse
import asyncio

from eldercare.commands._common import add_db, settings_from
from eldercare.logging import configure
from eldercare.service import serve


def _serve(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.audiosocket:
        settings.audiosocket = args.audiosocket
    configure(settings.log_level)
    asyncio.run(serve(settings, args.host or settings.host, args.port or settings.port))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="启动服务（网页、工作台、接口）")
    p.add_argument("--host", default=None, help="监听地址，默认 127.0.0.1")
    p.add_argument("--port", type=int, default=None, help="端口，默认 8080")
    p.add_argument("--audiosocket", default=None, metavar="HOST:PORT", help="Asterisk AudioSocket 监听地址")
    add_db(p)
    p.set_defaults(func=_serve)
