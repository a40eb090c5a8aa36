"""Provider webhooks: each order event of a station, POSTed as signed JSON to the station's system.

Configured with ``ELDERCARE_WEBHOOKS``, a JSON list::

    [{"station": "hz-xinhua", "url": "https://provider.example/eldercare", "secret": "…at least 16 chars…"}]

Each delivery is one ``POST`` of the outbox row's payload plus ``id``, ``topic`` and ``created_at``,
with headers

* ``X-Eldercare-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the station's secret>``
* ``X-Eldercare-Delivery: <outbox id>`` — the same on every retry; receivers dedupe on it
* ``X-Eldercare-Topic: order.accepted`` (and so on)

Any 2xx answer is a delivery; anything else, a redirect, a connection error or no answer within the
timeout is a failure and is retried with backoff. Receivers check the signature with
``verify_signature`` (see ``docs/outbox.md``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from care.catalog import TZ
from care.models import Outbox, Station
from integrations.outbox import DeliveryFailed, Skipped

SIGNATURE_HEADER = "X-Eldercare-Signature"
DELIVERY_HEADER = "X-Eldercare-Delivery"
TOPIC_HEADER = "X-Eldercare-Topic"
ENV = "ELDERCARE_WEBHOOKS"


class WebhookTarget(BaseModel):
    """Where one station's order events go, and the secret they are signed with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    station: str = Field(min_length=1, max_length=40)
    url: HttpUrl
    secret: str = Field(min_length=16, max_length=256, repr=False)


_TARGETS = TypeAdapter(list[WebhookTarget])


class WebhookConfigError(ValueError):
    pass


def parse_webhooks(text: str | None) -> dict[str, WebhookTarget]:
    """Parse ``ELDERCARE_WEBHOOKS`` (a JSON list) into targets by station code; empty or unset = none.

    Raises ``WebhookConfigError`` (secrets never in the message) on bad JSON, a bad entry, or a
    station named twice.
    """
    if text is None or not text.strip():
        return {}
    try:
        targets = _TARGETS.validate_json(text)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in exc.errors())
        raise WebhookConfigError(f"{ENV} is not valid: {problems}") from None
    by_station: dict[str, WebhookTarget] = {}
    for target in targets:
        if target.station in by_station:
            raise WebhookConfigError(f"{ENV} names station {target.station!r} twice")
        by_station[target.station] = target
    return by_station


def sign(secret: str | bytes, body: bytes) -> str:
    """The signature header value for ``body``: ``sha256=<hex digest>``."""
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify_signature(secret: str | bytes, body: bytes, header: str | None) -> bool:
    """For receivers: True when ``header`` (``X-Eldercare-Signature``) signs exactly these raw bytes.

    Pass the body as received, before any JSON parsing; the comparison takes constant time.
    """
    if not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(sign(secret, body), header.strip())


def event_body(row: Outbox) -> bytes:
    """The JSON sent for an outbox row: its payload (internal ``_`` keys left out), id, topic, time."""
    data: dict[str, Any] = {k: v for k, v in row.payload.items() if not k.startswith("_")}
    data.update(id=row.id, topic=row.topic, created_at=row.created_at.astimezone(TZ).isoformat())
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass
class WebhookDeliverer:
    """Posts each station notification to the station's configured webhook (others are skipped)."""

    targets: Mapping[str, WebhookTarget]
    timeout: float = 10.0
    client: aiohttp.ClientSession | None = None
    name: str = "webhook"
    recipient_types: frozenset[str] = frozenset({"station"})
    _codes: dict[int, str] = field(default_factory=dict, init=False, repr=False)
    _own_client: bool = field(default=False, init=False, repr=False)

    async def _station_code(self, station_id: int, session: AsyncSession) -> str | None:
        if station_id not in self._codes:
            code = (await session.execute(select(Station.code).where(Station.id == station_id))).scalar()
            if code is None:
                return None
            self._codes[station_id] = code
        return self._codes[station_id]

    def _session(self) -> aiohttp.ClientSession:
        if self.client is None or self.client.closed:
            self.client = aiohttp.ClientSession(headers={"User-Agent": "eldercare-outbox/1"})
            self._own_client = True
        return self.client

    async def deliver(self, row: Outbox, session: AsyncSession) -> None:
        if not self.targets:
            raise Skipped("没有配置推送地址")
        station_id = row.recipient_id if row.recipient_id is not None else row.payload.get("station_id")
        code = await self._station_code(int(station_id), session) if station_id is not None else None
        await session.rollback()  # no transaction (SQLite's write lock) held during the request
        target = self.targets.get(code) if code else None
        if target is None:
            raise Skipped("该服务站没有配置推送地址")
        body = event_body(row)
        headers = {"Content-Type": "application/json; charset=utf-8", SIGNATURE_HEADER: sign(target.secret, body),
                   DELIVERY_HEADER: str(row.id), TOPIC_HEADER: row.topic}
        try:
            async with self._session().post(str(target.url), data=body, headers=headers, allow_redirects=False,
                                            timeout=aiohttp.ClientTimeout(total=self.timeout)) as response:
                if not 200 <= response.status < 300:
                    raw = await response.content.read(200)
                    detail = raw.decode("utf-8", "replace").strip()
                    raise DeliveryFailed(f"对方返回 HTTP {response.status}" + (f"：{detail}" if detail else ""))
        except TimeoutError:
            raise DeliveryFailed(f"超时（{self.timeout:g}秒内没有回应）") from None
        except aiohttp.ClientError as exc:
            raise DeliveryFailed(f"连接失败：{type(exc).__name__} {exc}".strip()) from None

    async def close(self) -> None:
        if self._own_client and self.client is not None and not self.client.closed:
            await self.client.close()
