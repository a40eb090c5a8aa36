"""The HTTP application: staff console, JSON API, health and metrics (and more rooms as they arrive)."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from assistant import Assistant
from web import api, chat, ops, outbox, staff, understanding
from web.auth import CHAT_LIMIT, LIMITER, NEW_CHAT_LIMIT, RateLimit
from web.context import CONTEXT, AppContext
from web.errors import error_middleware
from web.ops import METRICS, Metrics, metrics_middleware

MAX_BODY_BYTES = 64 * 1024


@web.middleware
async def security_headers(request: web.Request, handler):  # type: ignore[no-untyped-def]
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def create_app(context: AppContext, extra_routes: list[web.RouteTableDef] | None = None) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES,
                          middlewares=[metrics_middleware, error_middleware, security_headers])
    app[CONTEXT] = context
    app[LIMITER] = RateLimit(limit=5, window=300)
    app[CHAT_LIMIT] = RateLimit(limit=30, window=60)
    app[NEW_CHAT_LIMIT] = RateLimit(limit=60, window=60)
    app[METRICS] = Metrics()
    app[staff.TEMPLATES] = staff.template_environment()
    app[chat.ASSISTANT] = Assistant(context.sessions, nlu_model=context.nlu, knowledge=context.knowledge)
    routes = (staff.routes, api.routes, ops.routes, understanding.routes, chat.routes, outbox.routes)
    for table in (*routes, *(extra_routes or [])):
        app.add_routes(table)
    app.router.add_static("/static", str(resources.files("web").joinpath("static")))
    return app
