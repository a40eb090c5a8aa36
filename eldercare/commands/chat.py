"""``eldercare chat``: one conversation with the assistant, one user turn per input line."""

from __future__ import annotations

import argparse
import re
import sys

from assistant import Assistant, Turn, identify
from assistant import state as dialogue
from eldercare.commands._common import add_db, now_from, print_json, run_with_db

KEYPAD = re.compile(r"^[0-9*#]$")


def _chat(args: argparse.Namespace) -> int:
    now = now_from(args.now)

    async def work(sessions) -> int:  # type: ignore[no-untyped-def]
        assistant = Assistant(sessions)
        async with sessions() as session, session.begin():
            user = await identify(session, args.channel, phone=args.phone, session_key="cli")
            await dialogue.reset(session, args.channel, user.key)  # each run is a new conversation
        for raw in sys.stdin:
            line = raw.rstrip("\r\n")
            keypad = args.channel == "phone" and bool(KEYPAD.match(line.strip()))
            turn = Turn(channel=args.channel, user=user, at=now, text=None if keypad else line,
                        dtmf=line.strip() if keypad else None)
            replies = await assistant.handle(turn)
            order = next((r.order for r in reversed(replies) if r.order), None)
            intent = next((r.intent for r in replies if r.intent), None)
            text = "\n".join(r.text for r in replies)
            if args.json:
                print_json({"user": line, "reply": text, "intent": intent, "order": order})
            else:
                print(f"> {line}\n{text}\n", flush=True)
        return 0

    return run_with_db(args, work, now)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chat", help="和助手对话（每行一句）")
    p.add_argument("--phone", help="以这个电话登记的老人或家属身份对话")
    p.add_argument("--channel", choices=("web", "phone", "telegram"), default="web")
    p.add_argument("--now", help="把“现在”固定为这个时间 (ISO 8601)，结果可复现")
    p.add_argument("--json", action="store_true")
    add_db(p)
    p.set_defaults(func=_chat)
