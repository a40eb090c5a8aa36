"""``eldercare bot …``: link a staff account to its Telegram chat; run the bot with long polling."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from care.db import SessionFactory
from eldercare.commands._common import add_db, print_json, run_with_db, settings_from
from eldercare.settings import Settings

if TYPE_CHECKING:
    from bot.render import AssistantLike


def _link_staff(args: argparse.Namespace) -> int:
    from bot.identity import link_staff

    async def work(sessions: SessionFactory) -> int:
        staff = await link_staff(sessions, args.username, None if args.unlink else args.telegram_id)
        print_json({"username": staff.username, "name": staff.name, "telegram_id": staff.telegram_id})
        return 0

    if not args.unlink and args.telegram_id is None:
        sys.stderr.write("请给出 --telegram-id（或用 --unlink 解除绑定）。\n")
        return 2
    return run_with_db(args, work)


def make_assistant(sessions: SessionFactory, settings: Settings) -> AssistantLike:
    """The conversation core the bot talks to (``bot/`` is handed it, never imports it)."""
    from assistant import Assistant
    from knowledge import KnowledgeBase

    return Assistant(sessions, knowledge=lambda: KnowledgeBase.load(settings.data_dir))


def _run(args: argparse.Namespace) -> int:
    from bot.app import build_dispatcher, make_bot, run_polling
    from web.context import real_clock

    settings = settings_from(args)
    if not settings.telegram_token:
        sys.stderr.write("没有设置 ELDERCARE_TELEGRAM_TOKEN（向 @BotFather 申请机器人令牌）。\n")
        return 2

    async def work(sessions: SessionFactory) -> int:
        from assistant.notices import notice
        from bot.notify import TelegramSender
        from integrations.outbox import OutboxWorker, TelegramDeliverer

        assistant = make_assistant(sessions, settings)
        dispatcher = build_dispatcher(sessions, assistant, real_clock, settings.redis_url)
        bot = make_bot(settings.telegram_token or "", api_base=args.api_base)
        stop = asyncio.Event()
        outbox = None
        if not args.no_outbox:  # new orders to staff chats, order news to families
            worker = OutboxWorker(sessions, [TelegramDeliverer(send=TelegramSender(bot), render=notice)])
            outbox = asyncio.create_task(worker.run_forever(stop))
        print("Telegram 机器人已启动（长轮询），按 Ctrl+C 停止。", flush=True)
        try:
            await run_polling(dispatcher, bot)
        finally:
            stop.set()
            if outbox is not None:
                await outbox
        return 0

    try:
        return run_with_db(args, work)
    except KeyboardInterrupt:
        return 0


def register(sub: argparse._SubParsersAction) -> None:
    bot = sub.add_parser("bot", help="Telegram 机器人").add_subparsers(dest="bot_command", required=True)
    p = bot.add_parser("link-staff", help="把工作人员账号绑定到 Telegram（新订单会发给他）")
    p.add_argument("--username", required=True, help="工作台登录名")
    p.add_argument("--telegram-id", type=int, help="对方在机器人里发 /id 得到的号码")
    p.add_argument("--unlink", action="store_true", help="解除绑定")
    add_db(p)
    p.set_defaults(func=_link_staff)
    p = bot.add_parser("run", help="以长轮询方式运行机器人（不需要公网地址）")
    p.add_argument("--api-base", default=None, help="Bot API 服务器地址，默认 https://api.telegram.org")
    p.add_argument("--no-outbox", action="store_true", help="不在这个进程里发送订单通知（另有进程发送时）")
    add_db(p)
    p.set_defaults(func=_run)
