"""A stand-in for the Telegram Bot API server on 127.0.0.1: records every method call the bot makes
and answers the way Telegram does (messages get ids, edits change the stored message, blocked chats
get 403, getUpdates serves queued updates for long polling)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

BOT_USER = {"id": 424242, "is_bot": True, "first_name": "养老服务助手", "username": "eldercare_test_bot"}
DATE = 1_795_651_200  # 2026-11-26 08:00 Asia/Shanghai


@dataclass
class Call:
    method: str
    params: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def chat_id(self) -> int | None:
        chat = self.params.get("chat_id")
        return int(chat) if chat is not None else None

    @property
    def markup(self) -> dict[str, Any] | None:
        return self.params.get("reply_markup")

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of an inline keyboard; (label, '') of a reply keyboard."""
        markup = self.markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


def _decode(value: str) -> Any:
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class TelegramStub:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.broken: set[int] = set()
        self.updates: list[dict[str, Any]] = []
        self._new_update = asyncio.Event()
        self._ids = itertools.count(1000)
        self.tokens: set[str] = set()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        return app

    # What the bot did --------------------------------------------------------------------------
    def of(self, method: str, chat_id: int | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == method and (chat_id is None or c.chat_id == chat_id)]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        return self.of("sendMessage", chat_id)

    def message(self, call: Call) -> dict[str, Any]:
        """The message (as Telegram stores it now) that a sendMessage call created."""
        return self.messages[(call.chat_id or 0, call.params["_message_id"])]

    def clear(self) -> None:
        self.calls.clear()

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        async def poll() -> list[Call]:
            while len(self.of(method)) < count:
                await asyncio.sleep(0.01)
            return self.of(method)
        return await asyncio.wait_for(poll(), timeout)

    def queue_update(self, update: dict[str, Any]) -> None:
        self.updates.append(update)
        self._new_update.set()

    # The Bot API ---------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.Response:
        self.tokens.add(request.match_info["token"])
        method = request.match_info["method"]
        form = await request.post()
        params = {k: _decode(str(v)) for k, v in form.items()}
        call = Call(method, params)
        self.calls.append(call)
        chat = call.chat_id
        if chat in self.blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        if chat in self.broken:
            return self._error(502, "Bad Gateway")
        handler = getattr(self, f"_{method}", None)
        result = await handler(call) if handler else True
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(code: int, description: str) -> web.Response:
        return web.json_response({"ok": False, "error_code": code, "description": description}, status=code)

    async def _getMe(self, call: Call) -> dict[str, Any]:
        return BOT_USER

    async def _sendMessage(self, call: Call) -> dict[str, Any]:
        message_id = next(self._ids)
        call.params["_message_id"] = message_id
        chat = call.chat_id or 0
        message = {"message_id": message_id, "date": DATE, "from": BOT_USER,
                   "chat": {"id": chat, "type": "private" if chat > 0 else "group"}, "text": call.text}
        markup = call.markup or {}
        if "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self.messages[(chat, message_id)] = message
        return message

    async def _editMessageText(self, call: Call) -> dict[str, Any]:
        message = self.messages[(call.chat_id or 0, int(call.params["message_id"]))]
        message["text"] = call.text
        message.pop("reply_markup", None)
        if "inline_keyboard" in (call.markup or {}):
            message["reply_markup"] = call.markup
        return message

    async def _editMessageReplyMarkup(self, call: Call) -> dict[str, Any]:
        message = self.messages[(call.chat_id or 0, int(call.params["message_id"]))]
        message.pop("reply_markup", None)
        if "inline_keyboard" in (call.markup or {}):
            message["reply_markup"] = call.markup
        return message

    async def _getUpdates(self, call: Call) -> list[dict[str, Any]]:
        offset = int(call.params.get("offset") or 0)
        for _ in range(2):
            ready = [u for u in self.updates if u["update_id"] >= offset]
            if ready:
                return ready
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), 0.5)
        return []


class Updates:
    """Real Telegram update payloads, numbered like Telegram numbers them."""

    def __init__(self, start: int = 500_000) -> None:
        self._ids = itertools.count(start)
        self._message_ids = itertools.count(1)

    @staticmethod
    def user(user_id: int, name: str = "李娟") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "zh-hans"}

    def text(self, user_id: int, text: str, name: str = "李娟") -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": next(self._message_ids), "date": DATE, "text": text,
                                   "from": self.user(user_id, name),
                                   "chat": {"id": user_id, "type": "private", "first_name": name}}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": next(self._ids), "message": message}

    def press(self, user_id: int, message: dict[str, Any], data: str, name: str = "李娟") -> dict[str, Any]:
        """A tap on the inline button with callback ``data`` under ``message`` (as the bot sent it)."""
        return {"update_id": next(self._ids), "callback_query": {
            "id": f"cb{next(self._message_ids)}", "from": self.user(user_id, name), "chat_instance": "ci",
            "data": data, "message": json.loads(json.dumps(message))}}
