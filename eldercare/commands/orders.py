"""``eldercare orders list``."""

from __future__ import annotations

import argparse

from care.orders import all_orders
from care.people import station_by_code
from care.views import order_dict
from eldercare.commands._common import add_db, print_json, run_with_db


def _list(args: argparse.Namespace) -> int:
    async def work(sessions) -> int:  # type: ignore[no-untyped-def]
        async with sessions() as session:
            station_id = (await station_by_code(session, args.station)).id if args.station else None
            orders = await all_orders(session, station_id)
        rows = [order_dict(o) for o in orders]
        if args.json:
            print_json(rows)
        else:
            for r in rows:
                print(f"{r['id']}  {r['date']} {r['window_label']}  {r['service_name']}×{r['quantity']}  "
                      f"{r['elder']}  {r['station']}  {r['status_label']}")
        return 0

    return run_with_db(args, work)


def register(sub: argparse._SubParsersAction) -> None:
    orders = sub.add_parser("orders", help="订单").add_subparsers(dest="orders_command", required=True)
    p = orders.add_parser("list", help="列出订单")
    p.add_argument("--station", help="服务站代码，如 hz-xinhua")
    p.add_argument("--json", action="store_true")
    add_db(p)
    p.set_defaults(func=_list)
