"""Staff sessions in signed cookies, CSRF tokens, the login rate limit, and provider API tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections import deque
from dataclasses import dataclass

from aiohttp import web

from care.access import API, STAFF, Actor
from care.models import Staff
from care.people import station_for_token
from web.context import context_of

COOKIE = "eldercare_staff"
SESSION_SECONDS = 12 * 3600


def _sign(key: bytes, payload: bytes) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, payload, hashlib.sha256).digest()).decode().rstrip("=")


def encode_signed(key: bytes, data: dict, seconds: int, now: float) -> str:
    """A cookie value carrying ``data`` that nobody without the key can forge or extend."""
    payload = base64.urlsafe_b64encode(json.dumps({**data, "exp": int(now + seconds)}).encode()).decode()
    payload = payload.rstrip("=")
    return f"{payload}.{_sign(key, payload.encode())}"


def credential_mark(staff: Staff) -> str:
    """Changes when the password does: a new password ends every session signed before it."""
    return hashlib.sha256(staff.password_hash.encode()).hexdigest()[:16]


def encode_session(key: bytes, staff: Staff, now: float) -> str:
    data = {"staff": staff.id, "mark": credential_mark(staff), "nonce": secrets.token_urlsafe(12)}
    return encode_signed(key, data, SESSION_SECONDS, now)


def decode_signed(key: bytes, cookie: str, now: float) -> dict | None:
    payload, _, signature = cookie.partition(".")
    if not payload or not hmac.compare_digest(signature, _sign(key, payload.encode())):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("exp", 0) < now:
        return None
    return data


def csrf_token(key: bytes, session: dict) -> str:
    return _sign(key, f"csrf:{session['nonce']}".encode())


@dataclass(frozen=True)
class StaffSession:
    staff: Staff
    csrf: str

    @property
    def actor(self) -> Actor:
        return Actor(STAFF, self.staff.id, station_id=self.staff.station_id, role=self.staff.role)


async def current_staff(request: web.Request) -> StaffSession | None:
    ctx = context_of(request)
    data = decode_signed(ctx.secret_key, request.cookies.get(COOKIE, ""), time.time())
    if data is None or "staff" not in data:
        return None
    async with ctx.sessions.reading() as session:
        staff = await session.get(Staff, data["staff"])
    if staff is None or not staff.active or data.get("mark") != credential_mark(staff):
        return None
    return StaffSession(staff, csrf_token(ctx.secret_key, data))


def check_csrf(request: web.Request, who: StaffSession, submitted: str | None) -> None:
    if not submitted or not hmac.compare_digest(submitted, who.csrf):
        raise web.HTTPForbidden(text="页面已过期，请刷新后再试。")


async def api_actor(request: web.Request) -> Actor | None:
    """A provider system's bearer token, or the staff session of the console."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        async with context_of(request).sessions.reading() as session:
            station_id = await station_for_token(session, header.removeprefix("Bearer ").strip())
        return Actor(API, station_id, station_id=station_id) if station_id else None
    who = await current_staff(request)
    if who is None:
        return None
    if request.method != "GET":
        check_csrf(request, who, request.headers.get("X-CSRF-Token"))
    return who.actor


class RateLimit:
    """At most ``limit`` events per key in ``window`` seconds (failed logins, chat messages …)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._events: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def exceeded(self, keys: list[str], now: float) -> bool:
        return any(len(self._recent(k, now)) >= self.limit for k in keys)

    def record(self, keys: list[str], now: float) -> None:
        for key in keys:
            self._recent(key, now).append(now)

    def clear(self, keys: list[str]) -> None:
        for key in keys:
            self._events.pop(key, None)


LIMITER = web.AppKey("login_limiter", RateLimit)
"""Failed staff logins: 5 per 5 minutes."""
CHAT_LIMIT = web.AppKey("chat_limit", RateLimit)
"""Web chat messages per conversation: 30 a minute, far above a person typing."""
NEW_CHAT_LIMIT = web.AppKey("new_chat_limit", RateLimit)
"""New web chat conversations per client address: 60 a minute (a home's residents may share one)."""

