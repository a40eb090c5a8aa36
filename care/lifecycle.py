"""The order lifecycle as a table: which action moves which status where (pure)."""

from __future__ import annotations

from dataclasses import dataclass

PENDING, ACCEPTED, IN_PROGRESS, COMPLETED = "pending", "accepted", "in_progress", "completed"
CANCELLED, REJECTED, NO_SHOW = "cancelled", "rejected", "no_show"
STATUSES = (PENDING, ACCEPTED, IN_PROGRESS, COMPLETED, CANCELLED, REJECTED, NO_SHOW)
OPEN_STATUSES = (PENDING, ACCEPTED, IN_PROGRESS)
STATUS_LABELS = {
    PENDING: "待接单", ACCEPTED: "已接单", IN_PROGRESS: "服务中", COMPLETED: "已完成",
    CANCELLED: "已取消", REJECTED: "已拒绝", NO_SHOW: "未遇到老人",
}


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    by_station: bool
    """Only the order's station (staff or its API token) may take this action."""
    needs_reason: bool = False
    releases_capacity: bool = False


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("accept", "接单", frozenset({PENDING}), ACCEPTED, by_station=True),
        Action("reject", "拒绝", frozenset({PENDING, ACCEPTED}), REJECTED, by_station=True, needs_reason=True,
               releases_capacity=True),
        Action("start", "开始服务", frozenset({ACCEPTED}), IN_PROGRESS, by_station=True),
        Action("complete", "完成", frozenset({IN_PROGRESS}), COMPLETED, by_station=True),
        Action("no_show", "未遇到老人", frozenset({ACCEPTED, IN_PROGRESS}), NO_SHOW, by_station=True),
        Action("cancel", "取消", frozenset({PENDING, ACCEPTED}), CANCELLED, by_station=False,
               releases_capacity=True),
    )
}


def next_actions(status: str) -> list[Action]:
    """The actions a station can take on an order in ``status``, in the order a console shows them."""
    return [a for a in ACTIONS.values() if a.by_station and status in a.sources]
