"""Every notification sentence sent to families, elders and station staff: order events, emergencies,
complaints and requests for a person."""

from __future__ import annotations

from care.models import Order
from care.views import day_text, service_label, window_label

_FAMILY = {
    "pending": "已为{elder}预约{what}，等待服务站确认。单号{code}。",
    "accepted": "服务站已接单：{elder}{what}。单号{code}。",
    "in_progress": "服务人员已开始为{elder}服务：{what}。",
    "completed": "{elder}的{what}已完成。",
    "cancelled": "{elder}的{what}已取消。",
    "rejected": "很抱歉，服务站没能接下{elder}的{what}。原因：{note}。可以换个时间再约。",
    "no_show": "服务人员上门时没有见到{elder}（{what}）。请确认老人是否平安。",
}
_STATION = {
    "pending": "新订单{code}：{elder}，{what}。",
    "cancelled": "订单{code}已取消：{elder}，{what}。",
    "accepted": "订单{code}已接单：{elder}，{what}。",
    "in_progress": "订单{code}开始服务。",
    "completed": "订单{code}已完成。",
    "rejected": "订单{code}已拒绝：{note}。",
    "no_show": "订单{code}记为未遇到老人。",
}


def describe(order: Order) -> str:
    """11月27日（星期五）午餐 助餐2份 — what and when, in a few words."""
    amount = f"{order.quantity}份" if order.kind == "meal" else ""
    return f"{day_text(order.date)}{window_label(order)}{service_label(order)}{amount}"


def order_notice(order: Order, event: str, audience: str, note: str | None = None) -> str:
    """The message for ``audience`` (family, elder, station) about ``event`` (the new status) of an order."""
    templates = _STATION if audience == "station" else _FAMILY
    template = templates.get(event, "订单{code}状态更新：{status}。")
    return template.format(elder=order.elder.name if audience != "elder" else "您", what=describe(order),
                           code=order.code, note=note or "未说明", status=event)


_OTHER = {
    ("emergency", "family"): "紧急情况：{elder}刚才求助，说“{text}”。已提醒拨打120，服务站也已收到。请马上联系老人。",
    ("emergency", "station"): "紧急求助：{elder}说“{text}”。请马上打电话确认，并在工作台处理。",
    ("complaint", "station"): "收到投诉（{elder}）：{text}。请负责人尽快回电。",
    ("handoff", "station"): "{elder}要求人工服务：{text}。请在工作台“待回电”里处理。",
}


def notice(topic: str, payload: dict, audience: str, order: Order | None, elder_name: str | None) -> str:
    """The message for any outbox row: order events through ``order_notice``, the rest from ``_OTHER``."""
    if order is not None and topic.startswith("order."):
        return order_notice(order, str(payload.get("event")), audience, payload.get("note"))
    template = _OTHER.get((topic, audience), "{elder}：{text}")
    text = str(payload.get("text") or payload.get("summary") or "")[:200]
    return template.format(elder=elder_name or "一位老人", text=text)
