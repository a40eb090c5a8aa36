"""Assembling the bot: dispatcher, Bot client, webhook on the aiohttp app, long polling.

A message's way: Telegram → (webhook route | polling) → ``Dispatcher.feed_update`` → aiogram's FSM
lock for the user (memory or Redis) → ``DedupeUpdates`` → ``RateLimit`` → ``Identify`` → a router
(``bot.routers``) → ``assistant.handle(Turn)`` → ``bot.render.send_replies``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlparse

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import ErrorEvent
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot import texts
from bot.middlewares import Counter, DedupeUpdates, Identify, MemoryCounter, RateLimit, RedisCounter
from bot.render import AssistantLike
from bot.routers import linking, menu, options, staff
from care.db import SessionFactory

log = logging.getLogger(__name__)
RATE_LIMIT_PER_MINUTE = 20
REDIS_PREFIX = "eldercare:tg"
STATE_TTL = 7 * 86_400  # a half-finished reject reason or stale buttons are forgotten after a week
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _storage(redis_url: str | None, prefix: str) -> tuple[BaseStorage, BaseEventIsolation, Counter]:
    if not redis_url:
        return MemoryStorage(), SimpleEventIsolation(), MemoryCounter()
    storage = RedisStorage.from_url(redis_url, key_builder=DefaultKeyBuilder(prefix=f"{prefix}:fsm"),
                                    state_ttl=STATE_TTL, data_ttl=STATE_TTL)
    return storage, storage.create_isolation(), RedisCounter(storage.redis, prefix=f"{prefix}:rate")


def build_dispatcher(sessions: SessionFactory, assistant: AssistantLike, clock: Callable[[], datetime],
                     redis_url: str | None = None, *, rate_limit: int = RATE_LIMIT_PER_MINUTE,
                     counter: Counter | None = None, redis_prefix: str = REDIS_PREFIX) -> Dispatcher:
    """The dispatcher with every router and middleware; ``sessions``, ``assistant`` and ``clock`` reach
    handlers as workflow data. FSM state and the per-user lock live in memory, or in Redis when
    ``redis_url`` is given (several bot processes then never handle one user's updates at once)."""
    storage, isolation, default_counter = _storage(redis_url, redis_prefix)
    dispatcher = Dispatcher(storage=storage, events_isolation=isolation, name="eldercare",
                            sessions=sessions, assistant=assistant, clock=clock)
    dispatcher.update.outer_middleware(DedupeUpdates(sessions, clock))
    dispatcher.update.outer_middleware(RateLimit(counter or default_counter, rate_limit))
    dispatcher.update.outer_middleware(Identify(sessions))
    dispatcher.include_routers(staff.router(), linking.router(), options.router(), menu.router())
    dispatcher.errors.register(_on_error)
    return dispatcher


async def _on_error(event: ErrorEvent, bot: Bot) -> bool:
    log.error("telegram update %s failed", event.update.update_id, exc_info=event.exception)
    update = event.update
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(texts.SOMETHING_WRONG, show_alert=True)
        elif update.message is not None:
            await bot.send_message(update.message.chat.id, texts.SOMETHING_WRONG)
    except Exception:
        log.exception("could not tell the user about the failure")
    return True


def make_bot(token: str, api_base: str | None = None) -> Bot:
    """A Bot client; ``api_base`` points it at another Bot API server (a local one, or a test stand-in)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else AiohttpSession()
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=None,
                                                                    link_preview_is_disabled=True))


def setup_webhook(app: web.Application, dispatcher: Dispatcher, bot: Bot, path: str, secret: str, *,
                  url: str | None = None, background: bool = True) -> SimpleRequestHandler:
    """Serve Telegram's webhook at ``path`` on the aiohttp app. Requests without the right
    ``X-Telegram-Bot-Api-Secret-Token`` get 401 and are not handled. With ``url`` the webhook is
    registered with Telegram when the app starts. ``background`` answers Telegram at once and
    handles the update afterwards (Telegram would otherwise resend slow updates)."""
    if not SECRET_TOKEN.match(secret or ""):
        raise ValueError("the webhook secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    handler = SimpleRequestHandler(dispatcher, bot, handle_in_background=background, secret_token=secret)
    handler.register(app, path=path)

    async def on_startup(_: web.Application) -> None:
        await dispatcher.emit_startup(bot=bot, **dispatcher.workflow_data)
        if url:
            await bot.set_webhook(url, secret_token=secret, allowed_updates=dispatcher.resolve_used_update_types(),
                                  drop_pending_updates=False)
            log.info("telegram webhook set to %s", url)

    async def on_shutdown(_: web.Application) -> None:
        await dispatcher.emit_shutdown(bot=bot, **dispatcher.workflow_data)

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    return handler


async def run_polling(dispatcher: Dispatcher, bot: Bot, *, handle_signals: bool = True) -> None:
    """Long polling until stopped (SIGINT/SIGTERM, or ``dispatcher.stop_polling()``).

    Removes a webhook first: Telegram refuses ``getUpdates`` while one is set."""
    await bot.delete_webhook(drop_pending_updates=False)
    await dispatcher.start_polling(bot, allowed_updates=dispatcher.resolve_used_update_types(),
                                   handle_signals=handle_signals, polling_timeout=30)


def default_secret(token: str) -> str:
    """A webhook secret derived from the token: the same in every process, unknown to anyone without it."""
    return hashlib.sha256(b"eldercare-telegram-webhook:" + token.encode()).hexdigest()


def mount(app: web.Application, sessions: SessionFactory, assistant: AssistantLike, clock: Callable[[], datetime],
          token: str, *, webhook_url: str | None = None, secret: str | None = None, redis_url: str | None = None,
          api_base: str | None = None) -> Bot:
    """Run the bot with the aiohttp app (call before the app starts): with ``webhook_url`` Telegram posts
    updates to that URL's path on this app (and the webhook is registered at start-up); without it the
    bot long-polls while the app runs. Returns the Bot, for ``bot.notify.TelegramDeliverer``."""
    dispatcher = build_dispatcher(sessions, assistant, clock, redis_url)
    bot = make_bot(token, api_base)
    if webhook_url:
        path = urlparse(webhook_url).path or "/"
        setup_webhook(app, dispatcher, bot, path, secret or default_secret(token), url=webhook_url)
        return bot
    polling: list[asyncio.Task[None]] = []

    async def start(_: web.Application) -> None:
        task = asyncio.create_task(run_polling(dispatcher, bot, handle_signals=False))
        task.add_done_callback(_log_end)
        polling.append(task)

    async def stop(_: web.Application) -> None:
        for task in polling:
            if not task.done():
                with contextlib.suppress(RuntimeError):  # not polling yet
                    await asyncio.wait_for(dispatcher.stop_polling(), 10)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await bot.session.close()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return bot


def _log_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("telegram polling stopped", exc_info=task.exception())
