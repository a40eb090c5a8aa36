"""Process wiring for ``eldercare serve``: one process runs every role on the embedded default."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import ipaddress
import logging
import os
import secrets
import signal
from datetime import datetime, timedelta
from pathlib import Path

from aiohttp import web
from sqlalchemy import select

from assistant.notices import notice
from bot.app import mount as mount_telegram
from bot.notify import TelegramSender
from care.catalog import TZ
from care.db import open_pool
from care.demo import demo_data, refresh_slots
from care.models import Staff
from eldercare.database import ensure_ready, open_database
from eldercare.settings import Settings
from integrations.outbox import Deliverer, OutboxWorker, TelegramDeliverer
from integrations.webhooks import WebhookDeliverer, parse_webhooks
from knowledge import KnowledgeBase
from voice.asr import VoskRecognizer, find_model
from voice.call import CallTiming, Line, close_line, start_server
from voice.http import mount as mount_voice
from voice.registry import CallRegistry
from voice.tts import EspeakSynthesizer
from web import chat
from web import outbox as outbox_pages
from web.app import create_app
from web.context import AppContext

log = logging.getLogger(__name__)


def secret_key(settings: Settings) -> bytes:
    """The configured key, or one generated once and kept (mode 600) in the data directory."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.data_dir / "secret_key"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


async def _daily_slots(context: AppContext) -> None:
    """Keep two weeks of slots ahead: refresh once an hour (cheap: existing slots are skipped)."""
    while True:
        try:
            await refresh_slots(context.sessions, context.clock())
        except Exception:
            log.exception("slot refresh failed")
        await asyncio.sleep(timedelta(hours=1).total_seconds())


async def _warm_models(context: AppContext) -> None:
    """Load the models before the first caller needs them, then set them aside from the collector.

    The NLU and knowledge models are hundreds of thousands of objects that live as long as the
    process; every full garbage collection walked them all, pausing every conversation for up to
    200 ms (seen with ``python -m bench chat``). ``gc.freeze`` moves them out of its sight.
    """
    await asyncio.to_thread(context.nlu)
    await asyncio.to_thread(context.knowledge)
    gc.collect()
    gc.freeze()
    context.models_ready = True


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _open_phone_line(settings: Settings, line: Line) -> tuple[asyncio.Server | None, Path | None]:
    """Speech recognition for the line when a vosk model is found (loading one takes a second or two
    and ~0.5 GB), and Asterisk's AudioSocket on ``settings.audiosocket`` (HOST:PORT) when set."""
    model = find_model(settings.vosk_model, settings.data_dir)
    if model is not None:
        line.recognizer = await asyncio.to_thread(VoskRecognizer, model)
    else:
        log.warning("no vosk model found (ELDERCARE_VOSK_MODEL or %s/vosk-model-*): keypad only", settings.data_dir)
    if not settings.audiosocket:
        return None, model
    host, _, port = settings.audiosocket.rpartition(":")
    if not host or not port.isdigit():
        raise SystemExit(f"ELDERCARE_AUDIOSOCKET 应该是 HOST:PORT，现在是 {settings.audiosocket!r}")
    return await start_server(line, host.strip("[]"), int(port)), model


async def _demo_logins(context: AppContext) -> list[tuple[str, str, str]]:
    wanted = {s["username"]: s for s in demo_data()["staff"]}
    async with context.sessions() as session:
        present = (await session.execute(select(Staff.username).where(Staff.username.in_(wanted)))).scalars().all()
    return [(u, wanted[u]["password"], wanted[u].get("station", "全部")) for u in present]


async def serve(settings: Settings, host: str, port: int) -> None:
    url = settings.database_url()
    await asyncio.to_thread(ensure_ready, url)
    engine, sessions = open_database(url)
    await open_pool(engine)
    context = AppContext(sessions=sessions, secret_key=secret_key(settings),
                         knowledge=lambda: KnowledgeBase.load(settings.data_dir),
                         secure_cookies=os.environ.get("ELDERCARE_SECURE_COOKIES") == "1")
    webhooks = WebhookDeliverer(parse_webhooks(settings.webhooks))  # a bad configuration stops start-up here
    deliverers: list[Deliverer] = [webhooks]
    app = create_app(context)
    if settings.telegram_token:
        telegram = mount_telegram(app, sessions, app[chat.ASSISTANT], context.clock, settings.telegram_token,
                                  webhook_url=settings.telegram_webhook_url,
                                  secret=settings.telegram_webhook_secret, redis_url=settings.redis_url)
        deliverers.append(TelegramDeliverer(send=TelegramSender(telegram), render=notice))
    line = Line(app[chat.ASSISTANT], EspeakSynthesizer(), None, sessions, CallRegistry(), clock=context.clock,
                timing=CallTiming(barge_in_by_voice=settings.phone_barge_in), max_calls=settings.phone_max_calls)
    mount_voice(app, line.registry, settings.voice_token, line)
    worker = OutboxWorker(sessions, deliverers)
    context.extras[outbox_pages.WORKER] = worker
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    audiosocket, model = await _open_phone_line(settings, line)
    if not settings.voice_token and not _is_loopback(host):
        log.warning("HTTP listens on %s without ELDERCARE_VOICE_TOKEN: /voice/calls only answers this machine", host)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_daily_slots(context)), asyncio.create_task(worker.run_forever(stop, interval=5))]
    print(f"养老服务助手已启动  {datetime.now(TZ):%Y-%m-%d %H:%M}", flush=True)
    print(f"  家属聊天 http://{host}:{port}/", flush=True)
    print(f"  工作台   http://{host}:{port}/staff", flush=True)
    print(f"  健康检查 http://{host}:{port}/healthz   指标 http://{host}:{port}/metrics", flush=True)
    for username, password, station in await _demo_logins(context):
        print(f"  演示账号 {username} / {password}  ({station})", flush=True)
    if settings.telegram_token:
        mode = f"webhook {settings.telegram_webhook_url}" if settings.telegram_webhook_url else "长轮询"
        print(f"  Telegram 机器人已连接（{mode}）", flush=True)
    print(f"  网页电话 http://{host}:{port}/phone", flush=True)
    if audiosocket is not None:
        print(f"  电话接入 AudioSocket {settings.audiosocket}", flush=True)
    print(f"  语音识别 {model or '没有找到模型，电话只能按键（见 docs/voice.md）'}", flush=True)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    tasks.append(asyncio.create_task(_warm_models(context)))
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        await close_line(line, audiosocket)
        await runner.cleanup()
        await webhooks.close()
        await engine.dispose()
