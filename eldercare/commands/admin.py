"""Administration: staff accounts, provider tokens, elders, family members and linking codes."""

from __future__ import annotations

import argparse
import getpass
import os
from datetime import date

from care import people
from care.errors import NotFound
from eldercare.commands._common import add_db, now_from, print_json, run_with_db

FACTS = {
    "living": ("alone", "empty_nest", "with_family"),
    "economic": ("none", "dibao", "dibao_edge", "tekun", "wubao", "sanwu", "low_income"),
    "disability": ("none", "disabled", "semi_disabled", "dementia", "handicapped"),
}


def _in_transaction(args: argparse.Namespace, work) -> int:  # type: ignore[no-untyped-def]
    async def run(sessions) -> int:  # type: ignore[no-untyped-def]
        async with sessions() as session, session.begin():
            print_json(await work(session))
        return 0

    return run_with_db(args, run)


def _staff_add(args: argparse.Namespace) -> int:
    password = args.password or os.environ.get("ELDERCARE_NEW_PASSWORD") or getpass.getpass("密码：")

    async def work(session):  # type: ignore[no-untyped-def]
        staff = await people.add_staff(session, username=args.username, name=args.name, password=password,
                                       role=args.role, station_code=args.station)
        return {"id": staff.id, "username": staff.username, "role": staff.role, "station": args.station}

    return _in_transaction(args, work)


def _token(args: argparse.Namespace) -> int:
    async def work(session):  # type: ignore[no-untyped-def]
        token = await people.issue_api_token(session, args.station, args.name, now_from(None))
        return {"station": args.station, "name": args.name, "token": token}

    return _in_transaction(args, work)


def _elder_add(args: argparse.Namespace) -> int:
    async def work(session):  # type: ignore[no-untyped-def]
        elder = await people.add_elder(
            session, name=args.name, phone=args.phone, address=args.address, community=args.community,
            birth_date=args.birth_date, living=args.living, economic=args.economic, disability=args.disability,
            urban=args.urban, diet=args.diet)
        return {"id": elder.id, "name": elder.name, "phone": elder.phone}

    return _in_transaction(args, work)


async def _elder_id(session, phone: str) -> int:  # type: ignore[no-untyped-def]
    elder = await people.elder_by_phone(session, phone)
    if elder is None:
        raise NotFound("没有登记这个电话的老人。", "no elder with this phone")
    return elder.id


def _family_add(args: argparse.Namespace) -> int:
    async def work(session):  # type: ignore[no-untyped-def]
        member = await people.family_by_phone(session, args.phone) or await people.add_family(
            session, name=args.name, phone=args.phone, telegram_id=args.telegram_id)
        if args.elder:
            await people.link_family(session, member.id, await _elder_id(session, args.elder), args.relation,
                                     verified=True)
        return {"id": member.id, "name": member.name, "phone": member.phone, "linked_to": args.elder}

    return _in_transaction(args, work)


def _link_code(args: argparse.Namespace) -> int:
    async def work(session):  # type: ignore[no-untyped-def]
        code = await people.issue_link_code(session, await _elder_id(session, args.elder), args.relation,
                                            now_from(None))
        return {"code": code, "elder": args.elder, "relation": args.relation,
                "valid_days": people.LINK_CODE_TTL.days}

    return _in_transaction(args, work)


def _flag(text: str) -> bool:
    return text.lower() in ("1", "true", "yes", "是")


def register(sub: argparse._SubParsersAction) -> None:
    staff = sub.add_parser("staff", help="工作人员账号").add_subparsers(dest="staff_command", required=True)
    p = staff.add_parser("add", help="添加工作人员")
    p.add_argument("--username", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--role", choices=people.ROLES, default="staff")
    p.add_argument("--station", help="服务站代码（管理员可不填）")
    p.add_argument("--password", help="不填则提示输入（或用 ELDERCARE_NEW_PASSWORD）")
    add_db(p)
    p.set_defaults(func=_staff_add)
    p = staff.add_parser("token", help="为服务商系统发放接口令牌")
    p.add_argument("--station", required=True)
    p.add_argument("--name", required=True, help="令牌用途，如“某某送餐公司”")
    add_db(p)
    p.set_defaults(func=_token)

    elder = sub.add_parser("elder", help="老人档案").add_subparsers(dest="elder_command", required=True)
    p = elder.add_parser("add", help="登记老人")
    for name in ("name", "phone", "address", "community"):
        p.add_argument(f"--{name}", required=True)
    p.add_argument("--birth-date", type=date.fromisoformat)
    for fact, values in FACTS.items():
        p.add_argument(f"--{fact}", choices=values)
    p.add_argument("--urban", type=_flag)
    p.add_argument("--diet")
    add_db(p)
    p.set_defaults(func=_elder_add)

    family = sub.add_parser("family", help="家属").add_subparsers(dest="family_command", required=True)
    p = family.add_parser("add", help="登记家属，可同时绑定老人")
    p.add_argument("--name", required=True)
    p.add_argument("--phone", required=True)
    p.add_argument("--telegram-id", type=int)
    p.add_argument("--elder", help="要绑定的老人电话")
    p.add_argument("--relation", choices=people.RELATIONS, default="other")
    add_db(p)
    p.set_defaults(func=_family_add)

    p = sub.add_parser("link-code", help="为老人生成家属绑定码（一次有效）")
    p.add_argument("--elder", required=True, help="老人电话")
    p.add_argument("--relation", choices=people.RELATIONS, required=True)
    add_db(p)
    p.set_defaults(func=_link_code)
