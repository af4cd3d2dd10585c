"""Security headers on every response: the staff pages, their static files, the API and its errors.

- ``Content-Security-Policy``: the pages load scripts, styles and images from this site only, and
  no inline script at all (the templates have none), so injected markup cannot run; an API answer
  (JSON, problem details, static files) may load nothing. The API documentation pages (``/docs``,
  ``/redoc``, from fastapi-offline) carry one inline script each: their policy allows exactly that
  script, by its sha256, plus the inline styles and the worker Swagger UI and ReDoc need.
- ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``: no page can be framed (clickjacking).
- ``X-Content-Type-Options: nosniff``: a response is only ever what its Content-Type says.
- ``Referrer-Policy: no-referrer``: a page's address (a decision id) never leaves in a Referer.
- ``Cache-Control: no-store`` on everything but the static files: a page or an answer about a
  family is never kept by a browser's cache or a proxy (a shared computer, the Back button after
  signing out).

A response that sets one of these itself keeps its own.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_FIXED = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
PAGE_POLICY = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)  # no attributes: no src, so inline


def security_headers(content_type: str) -> dict[str, str]:
    """The headers for a response of this content type (HTML pages may load from this site)."""
    policy = PAGE_POLICY if content_type.startswith("text/html") else API_POLICY
    return {"Content-Security-Policy": policy, **_FIXED}


def docs_policy(page: bytes) -> str:
    """The policy for an API documentation page: its own inline scripts (by hash) and no others."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    """Add the security headers to every HTTP response (raw ASGI, like the other middlewares)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif scope["path"] in DOCS_PATHS:
            await self._docs(scope, receive, send)
        else:

            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = MutableHeaders(scope=message)
                    for name, value in security_headers(headers.get("content-type", "")).items():
                        headers.setdefault(name, value)
                    if not scope["path"].startswith("/static/"):
                        headers.setdefault("Cache-Control", "no-store")
                await send(message)

            await self.app(scope, receive, sending)

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A documentation page is small: hold it whole, hash its inline scripts, then send it."""
        start: Message = {}
        body = bytearray()

        async def holding(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            headers = MutableHeaders(scope=start)
            for name, value in {**security_headers(""), "Content-Security-Policy": docs_policy(bytes(body))}.items():
                headers.setdefault(name, value)
            await send(start)
            await send({"type": "http.response.body", "body": bytes(body)})

        await self.app(scope, receive, holding)
