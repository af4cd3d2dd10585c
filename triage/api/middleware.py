"""Two ASGI middlewares: the request body limit (413) and time limit (408), and the request log.

Written against raw ASGI rather than Starlette's BaseHTTPMiddleware, which costs each request a
task and buffers the response.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid

import structlog
from starlette.types import ASGIApp as App
from starlette.types import Message, Receive, Scope, Send

from triage.api.problems import problem_response

log = structlog.get_logger("triage.api")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class _TooLarge(Exception):
    """The body has grown past the limit while being read."""


class BodyLimit:
    """Refuse a request body over ``max_bytes`` with 413, whether declared (Content-Length) or
    streamed, before any of it reaches a route; the body is read once and handed on whole.

    A body that has not arrived whole within ``timeout_seconds`` is answered 408 and its connection
    closed: a client that declares 100 bytes and sends 5 would otherwise hold a connection (and a
    request's worth of memory) for as long as it liked, and uvicorn has no body timeout of its own."""

    def __init__(self, app: App, max_bytes: int, timeout_seconds: float) -> None:
        self.app, self.max_bytes, self.timeout_seconds = app, max_bytes, timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        try:
            async with asyncio.timeout(self.timeout_seconds):  # a third of anyio.fail_after's CPU
                body = await self._read(receive)
        except _TooLarge:
            await self._too_large(scope, receive, send)
            return
        except TimeoutError:
            detail = f"the request body did not arrive within {self.timeout_seconds:g} seconds"
            await problem_response(408, detail, headers={"Connection": "close"})(scope, receive, send)
            return
        if body is not None:
            await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None if the client went away first."""
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise _TooLarge()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
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
            log.info(
                "request",
                request_id=request_id,
                caller=state.get("caller"),
                method=scope["method"],
                route=route or "(no route)",
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
