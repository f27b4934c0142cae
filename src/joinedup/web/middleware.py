"""The one middleware: the session cookie in, the cookie and security headers out.

Written against ASGI directly rather than with `@app.middleware("http")`: that form runs
each request in an extra task with its own streams, which cost about a millisecond of
CPU a request on the test machine (benchmarks/profile_api_requests.py), on every page
and API call. What it does is unchanged: every response gets the security headers, every
response but static files `Cache-Control: no-store`, and a changed session a new cookie.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from joinedup.web.sessions import COOKIE_NAME, SESSION_HOURS, SessionCodec, WebSession


class SessionAndHeaders:
    def __init__(self, app: ASGIApp, codec: SessionCodec, security_headers: dict[str, str]) -> None:
        self.app = app
        self.codec = codec
        self.security_headers = security_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)  # its state is the request's state (scope["state"])
        connection.state.session = self.codec.loads(connection.cookies.get(COOKIE_NAME))
        connection.state.user = None
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                session = connection.state.session  # a route may have replaced it
                if session.modified:
                    headers.append("set-cookie", self._cookie(connection, session))
                for name, value in self.security_headers.items():
                    if name not in headers:
                        headers[name] = value
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _cookie(self, connection: HTTPConnection, session: WebSession) -> str:
        """The Set-Cookie value, made exactly as a response's set_cookie makes it."""
        response = Response()
        response.set_cookie(
            COOKIE_NAME,
            self.codec.dumps(session),
            max_age=SESSION_HOURS * 3600,
            httponly=True,
            samesite="lax",
            secure=connection.url.scheme == "https",
            path="/",
        )
        return response.headers["set-cookie"]
