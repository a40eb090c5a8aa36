"""``eldercare serve`` as a process: starts on an empty data directory, says when its models are
ready, answers a chat turn and a phone call, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

from voice.audiosocket import Kind, encode, read_frame


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


async def _phone_call(port: int, call_id: uuid.UUID) -> tuple[int, bool]:
    """Ring the AudioSocket as Asterisk would; returns the audio frames heard and whether the line hung up."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(encode(Kind.UUID, call_id.bytes))
    heard = 0
    while heard < 25 and (frame := await asyncio.wait_for(read_frame(reader), 30)) is not None:
        heard += frame.kind == Kind.AUDIO
    writer.write(encode(Kind.DTMF, b"0"))  # a person, please: the line says so and ends the audio
    while (frame := await asyncio.wait_for(read_frame(reader), 30)) is not None and frame.kind != Kind.HANGUP:
        heard += frame.kind == Kind.AUDIO
    writer.close()
    return heard, frame is not None


def test_serve_starts_warms_its_models_answers_and_stops(tmp_path) -> None:
    port, phone = _free_port(), _free_port()
    env = {**os.environ, "ELDERCARE_DATA_DIR": str(tmp_path), "ELDERCARE_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([sys.executable, "-m", "eldercare.cli", "serve", "--port", str(port),
                               "--audiosocket", f"127.0.0.1:{phone}"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        seen: list[str] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "ready" not in seen:
            try:
                seen.append(_get(f"{base}/healthz")["models"])
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
            time.sleep(0.2)
        assert seen[-1] == "ready"
        question = json.dumps({"message": "政府购买居家养老服务每月多少钱"}).encode()
        request = urllib.request.Request(f"{base}/api/chat", question, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            replies = json.loads(response.read())["replies"]
        assert "依据" in replies[0]["text"]
        call_id = uuid.uuid4()
        register = urllib.request.Request(f"{base}/voice/calls", json.dumps(
            {"uuid": str(call_id), "caller": "13800000001"}).encode(), {"Content-Type": "application/json"})
        with urllib.request.urlopen(register, timeout=10) as response:
            assert json.loads(response.read())["registered"] is True
        heard, hung_up = asyncio.run(_phone_call(phone, call_id))
        assert heard > 25 and hung_up
        assert _get(f"{base}/voice/calls/{call_id}")["outcome"] == "transfer"
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert f"http://127.0.0.1:{port}/staff" in out
    assert f"电话接入 AudioSocket 127.0.0.1:{phone}" in out and "只能按键" in out  # no vosk model in a bare data dir
    assert f"http://127.0.0.1:{port}/phone" in out
