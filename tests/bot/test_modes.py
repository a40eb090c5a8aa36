"""How updates arrive and where state lives: the webhook on the aiohttp app (secret verified), long
polling, FSM storage and the per-user lock in memory or in Redis (two quick messages never race)."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from redis.asyncio import Redis
from sqlalchemy import func, select

from bot import texts
from bot.app import build_dispatcher, run_polling, setup_webhook
from bot.middlewares import RedisCounter
from care.models import Order, ProcessedUpdate
from tests.bot.conftest import TOKEN, ScriptedAssistant
from tests.conftest import NOW, require_or_skip
from web.app import create_app
from web.context import AppContext

REDIS_URL = os.environ.get("ELDERCARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SECRET = "s3cret-Token_42"


async def redis_reachable() -> bool:
    client = Redis.from_url(REDIS_URL)
    try:
        return bool(await client.ping())
    except OSError:
        return False
    finally:
        await client.aclose()


async def _forget(prefix: str) -> None:
    client = Redis.from_url(REDIS_URL)
    keys = [k async for k in client.scan_iter(f"{prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
async def redis_prefix():  # type: ignore[no-untyped-def]
    require_or_skip(await redis_reachable(), "Redis")
    prefix = f"test:{uuid.uuid4().hex[:10]}"
    yield prefix
    await _forget(prefix)


@pytest.fixture
async def webhook_client(aiohttp_client, harness):  # type: ignore[no-untyped-def]
    app = create_app(AppContext(sessions=harness.sessions, secret_key=b"k", clock=lambda: NOW))
    setup_webhook(app, harness.dispatcher, harness.bot, "/telegram/webhook", SECRET, background=False)
    return await aiohttp_client(app)


async def test_the_webhook_handles_updates_that_carry_the_secret(webhook_client, harness, lijuan) -> None:  # type: ignore[no-untyped-def]
    raw = harness.updates.text(lijuan, "你好")
    response = await webhook_client.post("/telegram/webhook", json=raw,
                                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert response.status == 200
    assert [c.text for c in harness.telegram.sent(lijuan)] == ["好的，我记下了。"]
    assert [t.text for t in harness.assistant.turns] == ["你好"]


async def test_a_forged_or_missing_webhook_secret_is_refused_and_nothing_is_handled(webhook_client, harness,
                                                                                  lijuan) -> None:  # type: ignore[no-untyped-def]
    raw = harness.updates.text(lijuan, "订餐")
    for headers in ({"X-Telegram-Bot-Api-Secret-Token": "guess"}, {}):
        response = await webhook_client.post("/telegram/webhook", json=raw, headers=headers)
        assert response.status in (401, 403)
    assert harness.telegram.calls == [] and harness.assistant.turns == []
    async with harness.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0


def test_a_webhook_needs_a_usable_secret(harness) -> None:  # type: ignore[no-untyped-def]
    from aiohttp import web

    for secret in ("", "has space", "x" * 257):
        with pytest.raises(ValueError):
            setup_webhook(web.Application(), harness.dispatcher, harness.bot, "/telegram/webhook", secret)


async def test_the_webhook_is_registered_with_telegram_when_the_app_starts(aiohttp_client, harness) -> None:  # type: ignore[no-untyped-def]
    app = create_app(AppContext(sessions=harness.sessions, secret_key=b"k", clock=lambda: NOW))
    setup_webhook(app, harness.dispatcher, harness.bot, "/telegram/webhook", SECRET,
                  url="https://care.example.cn/telegram/webhook")
    await aiohttp_client(app)
    [call] = harness.telegram.of("setWebhook")
    assert call.params["url"] == "https://care.example.cn/telegram/webhook"
    assert call.params["secret_token"] == SECRET
    assert set(call.params["allowed_updates"]) == {"message", "callback_query"}


async def test_long_polling_handles_updates_until_stopped(harness, lijuan) -> None:  # type: ignore[no-untyped-def]
    harness.telegram.queue_update(harness.updates.text(lijuan, "/start"))
    harness.telegram.queue_update(harness.updates.text(lijuan, "你好"))
    task = asyncio.create_task(run_polling(harness.dispatcher, harness.bot, handle_signals=False))
    try:
        await harness.telegram.wait_for("sendMessage", 2)
    finally:
        await harness.dispatcher.stop_polling()
        await task
    methods = [c.method for c in harness.telegram.calls]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    assert [c.text for c in harness.telegram.sent(lijuan)][-1] == "好的，我记下了。"
    assert TOKEN in harness.telegram.tokens


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_two_quick_messages_from_one_person_never_race(backend, demo, telegram, bot, lijuan) -> None:  # type: ignore[no-untyped-def]
    """In memory, one process serialises a person's updates; with Redis, two processes do."""
    from tests.bot.conftest import Harness
    from tests.bot.telegram_stub import Updates

    redis_url, prefix = None, "unused"
    if backend == "redis":
        require_or_skip(await redis_reachable(), "Redis")
        redis_url, prefix = REDIS_URL, f"test:{uuid.uuid4().hex[:10]}"
    assistant = ScriptedAssistant(demo.sessions, delay=0.05)
    one = build_dispatcher(demo.sessions, assistant, lambda: NOW, redis_url, redis_prefix=prefix)
    two = build_dispatcher(demo.sessions, assistant, lambda: NOW, redis_url, redis_prefix=prefix) if redis_url else one
    h = Harness(telegram, bot, one, assistant, Updates(), demo.sessions)
    try:
        await asyncio.gather(*(h.feed(h.updates.text(lijuan, f"第{i}句"), dispatcher=(one, two)[i % 2])
                               for i in range(6)))
        await asyncio.gather(*(h.feed(h.updates.text(9100 + i, "你好", name="别人")) for i in range(3)))
    finally:
        await one.fsm.close()
        await two.fsm.close()
        if redis_url:
            await _forget(prefix)
    assert len(assistant.turns) == 9
    assert assistant.overlaps == 0
    storage, isolation = (RedisStorage, RedisEventIsolation) if redis_url else (MemoryStorage, SimpleEventIsolation)
    assert isinstance(one.storage, storage) and isinstance(one.fsm.events_isolation, isolation)


async def test_redis_keeps_the_buttons_state_and_the_reject_reason_for_every_process(demo, telegram, bot, lijuan,
                                                                                     redis_prefix) -> None:  # type: ignore[no-untyped-def]
    from tests.bot.conftest import Harness
    from tests.bot.telegram_stub import Updates

    assistant = ScriptedAssistant(demo.sessions)
    one, two = (build_dispatcher(demo.sessions, assistant, lambda: NOW, REDIS_URL, redis_prefix=redis_prefix)
                for _ in range(2))
    assert isinstance(one.storage, RedisStorage) and isinstance(one.fsm.events_isolation, RedisEventIsolation)
    h = Harness(telegram, bot, one, assistant, Updates(), demo.sessions)
    try:
        await h.say(lijuan, "订餐")  # process one sends the buttons …
        h.dispatcher = two
        await h.press(lijuan, lijuan, "王秀英")  # … process two takes the tap
        h.dispatcher = one
        await h.press(lijuan, lijuan, "明天晚餐")
        h.dispatcher = two
        question = h.telegram.sent(lijuan)[0]
        stale = dict(h.telegram.message(question))
        stale["reply_markup"] = {"inline_keyboard": [[{"text": "王秀英", "callback_data": "opt:1"}]]}
        await h.feed(h.updates.press(lijuan, stale, "opt:1"))  # an old button, in yet another process
    finally:
        await one.fsm.close()
        await two.fsm.close()
    assert [t.dtmf for t in assistant.turns] == [None, "1", "2"]
    assert h.telegram.of("answerCallbackQuery")[-1].params["text"] == texts.BUTTON_EXPIRED
    async with demo.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Order).where(Order.channel == "telegram")) == 1
    client = Redis.from_url(REDIS_URL)
    try:
        assert [k async for k in client.scan_iter(f"{redis_prefix}:fsm:*")]
    finally:
        await client.aclose()


async def test_the_redis_rate_limit_is_shared_by_every_process(demo, telegram, bot, lijuan, redis_prefix) -> None:  # type: ignore[no-untyped-def]
    from tests.bot.conftest import Harness
    from tests.bot.telegram_stub import Updates

    assistant = ScriptedAssistant(demo.sessions)
    one, two = (build_dispatcher(demo.sessions, assistant, lambda: NOW, REDIS_URL, redis_prefix=redis_prefix,
                                 rate_limit=5) for _ in range(2))
    h = Harness(telegram, bot, one, assistant, Updates(), demo.sessions)
    try:
        for i in range(8):
            await h.feed(h.updates.text(lijuan, f"第{i}句"), dispatcher=(one, two)[i % 2])
    finally:
        await one.fsm.close()
        await two.fsm.close()
    assert len(assistant.turns) == 5
    assert [c.text for c in telegram.sent(lijuan)].count(texts.RATE_LIMITED) == 1


async def test_the_redis_counter_starts_again_each_minute(redis_prefix) -> None:  # type: ignore[no-untyped-def]
    now = [1_000_020.0]
    client = Redis.from_url(REDIS_URL)
    try:
        counter = RedisCounter(client, prefix=redis_prefix, clock=lambda: now[0])
        assert [await counter.hit(1) for _ in range(3)] == [1, 2, 3]
        assert await counter.hit(2) == 1
        now[0] += 60
        assert await counter.hit(1) == 1
        assert 0 < await client.ttl(f"{redis_prefix}:1:{int(now[0] // 60)}") <= 120
    finally:
        await client.aclose()


async def test_mounted_on_the_app_with_a_webhook_url(aiohttp_client, demo, telegram, lijuan) -> None:  # type: ignore[no-untyped-def]
    from bot.app import default_secret, mount
    from tests.bot.telegram_stub import Updates

    assistant = ScriptedAssistant(demo.sessions)
    app = create_app(AppContext(sessions=demo.sessions, secret_key=b"k", clock=lambda: NOW))
    mount(app, demo.sessions, assistant, lambda: NOW, TOKEN, webhook_url="https://care.example.cn/tg/hook",
          api_base=str(telegram.server.make_url("/")))
    client = await aiohttp_client(app)
    [call] = telegram.of("setWebhook")
    assert call.params["secret_token"] == default_secret(TOKEN) and len(default_secret(TOKEN)) == 64
    raw = Updates().text(lijuan, "你好")
    assert (await client.post("/tg/hook", json=raw, headers={"X-Telegram-Bot-Api-Secret-Token": "x"})).status == 401
    response = await client.post("/tg/hook", json=raw,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": default_secret(TOKEN)})
    assert response.status == 200
    await telegram.wait_for("sendMessage")  # handled in the background, after Telegram got its answer
    assert [t.text for t in assistant.turns] == ["你好"]


async def test_mounted_on_the_app_without_a_webhook_url_it_polls_while_the_app_runs(aiohttp_client, demo, telegram,
                                                                                    lijuan) -> None:  # type: ignore[no-untyped-def]
    from bot.app import mount
    from tests.bot.telegram_stub import Updates

    assistant = ScriptedAssistant(demo.sessions)
    app = create_app(AppContext(sessions=demo.sessions, secret_key=b"k", clock=lambda: NOW))
    mount(app, demo.sessions, assistant, lambda: NOW, TOKEN, api_base=str(telegram.server.make_url("/")))
    client = await aiohttp_client(app)
    telegram.queue_update(Updates().text(lijuan, "你好"))
    await telegram.wait_for("sendMessage")
    assert [t.text for t in assistant.turns] == ["你好"]
    await client.close()  # the app stops: so does polling
    polls = len(telegram.of("getUpdates"))
    await asyncio.sleep(0.7)
    assert len(telegram.of("getUpdates")) == polls
