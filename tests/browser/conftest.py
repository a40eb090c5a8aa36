"""A real browser: Playwright driving Debian's Chromium (never a downloaded one)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from tests.conftest import require_or_skip

CHROMIUM = os.environ.get("ELDERCARE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic",
        # A microphone for the browser phone: Chromium's fake device, no permission prompt.
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    require_or_skip(os.path.exists(CHROMIUM), f"Chromium at {CHROMIUM}")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()
