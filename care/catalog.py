"""The service catalog as pure data: booking windows, cutoffs, prices (no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

import yaml

TZ = ZoneInfo("Asia/Shanghai")
KINDS = ("meal", "bath", "home_visit")
VISIT_KINDS = ("check_in", "nursing", "cleaning", "escort")
HORIZON_DAYS = 14


@dataclass(frozen=True)
class Window:
    kind: str
    code: str
    label: str
    start: time
    end: time
    lead_days: int
    cutoff: time
    rank: int

    def deadline(self, day: date) -> datetime:
        """The last moment (local time) at which this window on ``day`` may be booked or cancelled."""
        return datetime.combine(day - timedelta(days=self.lead_days), self.cutoff, tzinfo=TZ)


@dataclass(frozen=True)
class ServiceItem:
    code: str
    kind: str
    name: str
    unit: str
    unit_price_fen: int
    prices_fen: dict[str, int] = field(default_factory=dict)
    visit_kind: str | None = None
    max_quantity: int = 1

    def price_for(self, economic: str | None) -> int:
        """Per-unit price in fen that an elder of this economic category pays."""
        return self.prices_fen.get(economic or "", self.unit_price_fen)


@dataclass(frozen=True)
class Catalog:
    windows: dict[str, dict[str, Window]]
    services: dict[str, ServiceItem]

    def window(self, kind: str, code: str) -> Window | None:
        return self.windows.get(kind, {}).get(code)

    def service_for(self, kind: str, visit_kind: str | None = None) -> ServiceItem | None:
        for item in self.services.values():
            if item.kind == kind and (kind != "home_visit" or item.visit_kind == visit_kind):
                return item
        return None


def _fen(yuan: float | int) -> int:
    return round(float(yuan) * 100)


def _time(text: str) -> time:
    return time.fromisoformat(text)


def parse_catalog(data: dict) -> Catalog:
    windows = {
        kind: {
            code: Window(kind, code, w["label"], _time(w["start"]), _time(w["end"]), int(w["lead_days"]),
                         _time(w["cutoff"]), int(w["rank"]))
            for code, w in per_kind.items()
        }
        for kind, per_kind in data["windows"].items()
    }
    services = {
        s["code"]: ServiceItem(
            code=s["code"], kind=s["kind"], name=s["name"], unit=s["unit"],
            unit_price_fen=_fen(s["unit_price"]),
            prices_fen={k: _fen(v) for k, v in (s.get("prices") or {}).items()},
            visit_kind=s.get("visit_kind"), max_quantity=int(s.get("max_quantity", 1)),
        )
        for s in data["services"]
    }
    return Catalog(windows, services)


@cache
def default_catalog() -> Catalog:
    text = resources.files("care.data").joinpath("catalog.yml").read_text(encoding="utf-8")
    return parse_catalog(yaml.safe_load(text))


def local_today(now: datetime) -> date:
    return now.astimezone(TZ).date()


def yuan(fen: int) -> str:
    """1500 → '15元', 750 → '7.5元'."""
    return f"{fen // 100}元" if fen % 100 == 0 else f"{fen / 100:g}元"
