"""Two ASGI middlewares: the request body limit (413) and the request log.

Written against raw ASGI rather than Starlette's BaseHTTPMiddleware, which costs each request a
task and buffers the response.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any, Awaitable, Callable

import structlog

from triage.api.problems import problem_response

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

log = structlog.get_logger("triage.api")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class BodyLimit:
    """Refuse a request body over ``max_bytes`` with 413, whether declared (Content-Length) or
    streamed, before any of it reaches a route; the body is read once and handed on whole."""

    def __init__(self, app: App, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(413, f"the request body is larger than {self.max_bytes:,} bytes")
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: the client's disconnect, if it comes
    return replay


class RequestLog:
    """One log event per request: request id, caller (key id), route, status and duration.

    Never the path's values or the body: a path holds decision ids only, but the route template
    (``/v1/decisions/{decision_id}``) is what an operator groups by. The request id (the caller's
    ``X-Request-ID`` when it is a plain token, else a new one) is echoed in the response.
    """

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None)
            log.info("request", request_id=request_id, caller=state.get("caller"), method=scope["method"],
                     route=route or "(no route)", status=status,
                     duration_ms=round((time.perf_counter() - started) * 1000, 2))
