"""``eldercare bot link-staff`` and ``eldercare bot run`` (its refusals; running needs a real token)."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import select

from care.db import make_engine, session_factory
from care.models import Staff
from eldercare.cli import main


def _telegram_id(url: str, username: str) -> int | None:
    async def read() -> int | None:
        engine = make_engine(url)
        try:
            async with session_factory(engine)() as session:
                return await session.scalar(select(Staff.telegram_id).where(Staff.username == username))
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_link_staff_gives_a_staff_account_its_telegram_chat(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ELDERCARE_DB_URL", raising=False)
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    assert main(["bot", "link-staff", "--username", "xinhua", "--telegram-id", "7001", "--db", url]) == 0
    assert json.loads(capsys.readouterr().out) == {"username": "xinhua", "name": "陈晓燕", "telegram_id": 7001}
    assert _telegram_id(url, "xinhua") == 7001

    assert main(["bot", "link-staff", "--username", "xinhua2", "--telegram-id", "7001", "--db", url]) == 2
    assert "已经绑定了工作人员“xinhua”" in capsys.readouterr().err
    assert main(["bot", "link-staff", "--username", "nobody", "--telegram-id", "5", "--db", url]) == 2
    assert main(["bot", "link-staff", "--username", "xinhua", "--db", url]) == 2

    assert main(["bot", "link-staff", "--username", "xinhua", "--unlink", "--db", url]) == 0
    assert _telegram_id(url, "xinhua") is None


def test_run_without_a_token_says_what_to_do(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ELDERCARE_TELEGRAM_TOKEN", raising=False)
    assert main(["bot", "run", "--db", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"]) == 2
    assert "ELDERCARE_TELEGRAM_TOKEN" in capsys.readouterr().err


async def test_bot_run_polls_answers_and_sends_new_orders_to_staff(aiohttp_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The real process: ``eldercare bot run`` against the stand-in Bot API, the real assistant inside."""
    import os
    import signal
    import sys

    from tests.bot.telegram_stub import TelegramStub, Updates

    stub = TelegramStub()
    server = await aiohttp_server(stub.app(), host="127.0.0.1")
    url = f"sqlite+aiosqlite:///{tmp_path / 'run.db'}"
    assert await asyncio.to_thread(main, ["bot", "link-staff", "--username", "xinhua", "--telegram-id", "7001",
                                          "--db", url]) == 0
    env = {**os.environ, "ELDERCARE_TELEGRAM_TOKEN": "123456:TEST-token", "XDG_DATA_HOME": str(tmp_path)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "eldercare.cli", "bot", "run", "--api-base", str(server.make_url("/")), "--db", url,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        stub.queue_update(Updates().text(8001, "/start", name="路人"))
        # A demo order placed before start-up is still waiting in the outbox: it reaches the manager.
        await stub.wait_for("sendMessage", 2, timeout=60)
        for _ in range(100):
            if stub.sent(8001):
                break
            await asyncio.sleep(0.1)
        [welcome] = stub.sent(8001)
        assert "绑定码" in welcome.text
        to_staff = stub.sent(7001)
        assert to_staff and to_staff[0].text.startswith("新订单") and [b for b, _ in to_staff[0].buttons()] == [
            "接单", "拒绝"]
    finally:
        process.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert "长轮询" in out.decode()
