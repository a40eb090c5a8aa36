"""Every failure becomes a clear answer: JSON (Chinese and English) for the API, a page for people."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from care.errors import CareError, Invalid

log = logging.getLogger(__name__)
Model = TypeVar("Model", bound=BaseModel)

_HTTP_MESSAGES = {
    400: ("请求格式不对。", "bad request"),
    401: ("请先登录。", "authentication required"),
    403: ("没有权限。", "forbidden"),
    404: ("找不到这个页面或记录。", "not found"),
    405: ("不支持这种请求方式。", "method not allowed"),
    413: ("提交的内容太大了。", "request body too large"),
    429: ("尝试太频繁了，请稍后再试。", "too many requests"),
}


def json_response(data: object, status: int = 200) -> web.Response:
    """JSON with Chinese left readable (no \\u escapes)."""
    return web.json_response(data, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def date_query(request: web.Request, name: str = "date") -> date | None:
    """A ``YYYY-MM-DD`` query parameter; absent → None, malformed → a clear 422."""
    text = request.query.get(name)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise Invalid("日期格式应为 2026-11-27。", f"{name} must be YYYY-MM-DD") from exc


def wants_json(request: web.Request) -> bool:
    return (request.path.startswith(("/api/", "/model/", "/voice/"))
            or "application/json" in request.headers.get("Accept", ""))


def error_response(request: web.Request, status: int, body: dict[str, Any]) -> web.Response:
    if wants_json(request):
        return json_response(body, status=status)
    text = f"<!doctype html><meta charset=utf-8><title>出错了</title><body style='font-size:1.5rem;padding:2rem'>" \
           f"<p>{_escape(str(body.get('message', '出错了')))}</p><p><a href='javascript:history.back()'>返回</a></p>"
    return web.Response(text=text, status=status, content_type="text/html")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@web.middleware
async def error_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    try:
        return await handler(request)
    except CareError as error:
        return error_response(request, error.status, error.to_dict())
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        zh, en = _HTTP_MESSAGES.get(exc.status, ("请求没有成功。", exc.reason))
        if exc.text and any("\u4e00" <= ch <= "\u9fff" for ch in exc.text):
            zh = exc.text  # our own handlers raise with a Chinese sentence
        response = error_response(request, exc.status, {"error": exc.reason.lower().replace(" ", "_"),
                                                        "message": zh, "message_en": en})
        for header in ("Retry-After", "Allow"):
            if header in exc.headers:
                response.headers[header] = exc.headers[header]
        return response
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(request, 500, {"error": "internal", "message": "系统出了点问题，请稍后再试。",
                                             "message_en": "internal error"})


async def read_json(request: web.Request, model: type[Model]) -> Model:
    """Parse and validate a JSON body; malformed or invalid input becomes a 422 in plain words."""
    try:
        raw = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Invalid("内容不是有效的 JSON。", "body is not valid JSON") from exc
    if not isinstance(raw, dict):
        raise Invalid("内容应当是一个 JSON 对象。", "body must be a JSON object")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors())
        raise Invalid(f"这些字段不对：{fields}。", f"invalid fields: {fields}",
                      fields=[{"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
                              for e in exc.errors()]) from exc
