"""Health and metrics for operators: ``/healthz`` and ``/metrics`` (Prometheus text format)."""

from __future__ import annotations

import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select, text

from care.models import Order, Outbox
from web.context import context_of

routes = web.RouteTableDef()


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("eldercare_http_requests", "HTTP requests", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("eldercare_http_request_seconds", "HTTP request latency", ["route"],
                                 registry=self.registry)
        self.orders = Gauge("eldercare_orders", "Orders by status", ["status"], registry=self.registry)
        self.outbox = Gauge("eldercare_outbox_pending", "Notifications waiting for delivery", registry=self.registry)
        self.outbox_dead = Gauge("eldercare_outbox_dead", "Notifications given up after retries",
                                 registry=self.registry)


METRICS = web.AppKey("metrics", Metrics)


@web.middleware
async def metrics_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    route = request.match_info.route.resource.canonical if request.match_info.route.resource else "unmatched"
    response = await handler(request)
    metrics = request.app[METRICS]
    metrics.requests.labels(request.method, route, str(response.status)).inc()
    metrics.latency.labels(route).observe(time.perf_counter() - started)
    return response


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    ctx = context_of(request)
    try:
        async with ctx.sessions.reading() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:  # the database being down is exactly what this endpoint reports
        return web.json_response({"status": "error", "database": type(exc).__name__}, status=503)
    return web.json_response({"status": "ok", "database": "ok", "models": "ready" if ctx.models_ready else "loading"})


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    registry = request.app[METRICS]
    async with context_of(request).sessions.reading() as session:
        by_status = (await session.execute(select(Order.status, func.count(Order.id)).group_by(Order.status))).all()
        pending = (await session.execute(select(func.count(Outbox.id)).where(
            Outbox.delivered_at.is_(None), Outbox.dead.is_(False)))).scalar()
        dead = (await session.execute(select(func.count(Outbox.id)).where(Outbox.dead.is_(True)))).scalar()
    for status, count in by_status:
        registry.orders.labels(status).set(count)
    registry.outbox.set(pending or 0)
    registry.outbox_dead.set(dead or 0)
    return web.Response(body=generate_latest(registry.registry),
                        headers={"Content-Type": CONTENT_TYPE_LATEST})
