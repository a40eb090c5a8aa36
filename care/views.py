"""Orders as plain dictionaries for JSON answers, the CLI and the console."""

from __future__ import annotations

from datetime import date
from typing import Any

from care.catalog import TZ, default_catalog, yuan
from care.lifecycle import STATUS_LABELS, next_actions
from care.models import Order, OrderEvent

SERVICE_LABELS = {"meal": "助餐", "bath": "助浴", "home_visit": "上门服务"}
WEEKDAYS = "一二三四五六日"
RELATIVE_DAYS = {0: "今天", 1: "明天", 2: "后天"}


def weekday_name(day: date) -> str:
    return f"星期{WEEKDAYS[day.weekday()]}"


def day_text(day: date, today: date | None = None) -> str:
    """11月27日（星期五）, or 明天11月27日（星期五） when ``today`` is given and it is near."""
    prefix = RELATIVE_DAYS.get((day - today).days, "") if today else ""
    return f"{prefix}{day.month}月{day.day}日（{weekday_name(day)}）"


def window_name(kind: str, window: str) -> str:
    found = default_catalog().window(kind, window)
    return found.label if found else window


def service_label(order: Order) -> str:
    item = default_catalog().services.get(order.service_code)
    return item.name if item else SERVICE_LABELS.get(order.kind, order.kind)


def window_label(order: Order) -> str:
    return window_name(order.kind, order.window)


def order_summary(order: Order) -> dict[str, Any]:
    """The short form of CONTRACTS.md (`eldercare chat`): id, service, status, date, station."""
    return {"id": order.code, "service": order.kind, "status": order.status, "date": order.date.isoformat(),
            "station": order.station.name}


def order_dict(order: Order, *, personal: bool = True) -> dict[str, Any]:
    """The full order; ``personal=False`` leaves out the elder's phone and address."""
    data: dict[str, Any] = {
        **order_summary(order),
        "elder": order.elder.name,
        "station_code": order.station.code,
        "created_at": order.created_at.astimezone(TZ).isoformat(),
        "updated_at": order.updated_at.astimezone(TZ).isoformat(),
        "service_name": service_label(order),
        "visit_kind": order.visit_kind,
        "window": order.window,
        "window_label": window_label(order),
        "quantity": order.quantity,
        "diet": order.diet,
        "notes": order.notes,
        "status_label": STATUS_LABELS[order.status],
        "price": {"unit": yuan(order.unit_price_fen), "subsidy": yuan(order.subsidy_fen),
                  "due": yuan(order.amount_due_fen)},
        "channel": order.channel,
        "actions": [a.name for a in next_actions(order.status)],
    }
    if personal:
        data["address"] = order.address
        data["phone"] = order.elder.phone
    return data


def event_dict(event: OrderEvent) -> dict[str, Any]:
    return {"at": event.at.astimezone(TZ).isoformat(), "actor": event.actor, "from": event.from_status,
            "to": event.to_status, "note": event.note}
