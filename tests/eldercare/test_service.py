"""``eldercare serve`` as a process: starts on an empty data directory, says when its models are
ready, answers a chat turn, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def test_serve_starts_warms_its_models_answers_and_stops(tmp_path) -> None:
    port = _free_port()
    env = {**os.environ, "ELDERCARE_DATA_DIR": str(tmp_path), "ELDERCARE_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([sys.executable, "-m", "eldercare.cli", "serve", "--port", str(port)], env=env,
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
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert f"http://127.0.0.1:{port}/staff" in out
