"""The web app: server-rendered pages over the hub, with no CDN and no JavaScript.

`create_app` takes anything shaped like a hub (see deps.HubLike), so tests can hand it a
small fake. Every response carries headers that keep pages with personal data out of
caches and other sites' frames; sessions live in a signed cookie (see sessions.py).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from joinedup.store.users import User
from joinedup.web.deps import CsrfFailed, HubLike, LoginRequired
from joinedup.web.middleware import SessionAndHeaders
from joinedup.web.routers import (
    api,
    api_runs_reports,
    auth,
    corrections,
    dashboard,
    governance,
    matches,
    pages,
    report_library,
    review,
    runs,
)
from joinedup.web.routers import reports as report_pages
from joinedup.web.routers.api import ApiError
from joinedup.web.server_protocol import NoDelayHTTPProtocol
from joinedup.web.sessions import (
    SessionCodec,
    load_secret,
    password_fingerprint,
)
from joinedup.web.templating import STATIC_DIR, render
from joinedup.web.tokens import TokenCodec

log = logging.getLogger(__name__)

_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


@asynccontextmanager
async def _warm_on_start(app: FastAPI) -> AsyncIterator[None]:
    """When a server starts, read the served run's people in the background, so the first
    person page does not wait for it (web/people_cache.py)."""
    from joinedup.web.people_cache import warm_in_background

    warm_in_background(app.state.hub)
    yield


def create_app(hub: HubLike) -> FastAPI:
    app = FastAPI(
        title=hub.config.hub.name,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",  # the JSON API and /health only; pages stay out
        version="1",
        lifespan=_warm_on_start,
    )
    app.state.hub = hub
    app.state.service_name = hub.config.hub.name
    app.state.organisation = hub.config.hub.organisation
    secret = load_secret(hub.config.data_dir)
    codec = SessionCodec(secret)
    app.state.tokens = TokenCodec(secret)

    app.add_middleware(SessionAndHeaders, codec=codec, security_headers=_SECURITY_HEADERS)

    def _api_error(request: Request, status: int, code: str, message: str) -> Response | None:
        """API callers get JSON in one shape; pages get HTML. None: not an API path."""
        if not request.url.path.startswith("/api/"):
            return None
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        body = {"error": {"code": code, "message": message}}
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(ApiError)
    async def _api_failed(request: Request, exc: ApiError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        body = {"error": {"code": exc.code, "message": exc.message}}
        return JSONResponse(body, status_code=exc.status, headers=headers)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        target = request.url.path
        if request.method == "GET" and request.url.query:
            target += "?" + request.url.query
        request.state.session.set_flash("Sign in to continue.")
        # The path holds only opaque keys and filter words, never personal data.
        location = "/login" if target == "/" else "/login?" + urlencode({"next": target})
        return RedirectResponse(location, status_code=303)

    def _show_user(request: Request) -> None:
        """Error pages keep the header of a signed-in user, so they can find their way."""
        if getattr(request.state, "user", None) is not None:
            return
        session = getattr(request.state, "session", None)
        if session is None or session.user_id is None:
            return
        with hub.store.session() as db:
            user = db.get(User, session.user_id)
            if user is not None and password_fingerprint(user.password_hash) == session.password_fp:
                request.state.user = user

    @app.exception_handler(CsrfFailed)
    async def _csrf_failed(request: Request, _exc: CsrfFailed) -> Response:
        context = {
            "title": "This form has expired",
            "heading": "This form has expired",
            "message": "For your security the form could not be sent. Go back, reload the "
            "page and try again. If it keeps happening, check that cookies are allowed.",
        }
        return render(request, "error.html", context, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed"}
        as_json = _api_error(
            request,
            exc.status_code,
            codes.get(exc.status_code, "error"),
            "Not found." if exc.status_code == 404 else "The request could not be served.",
        )
        if as_json is not None:
            return as_json
        if exc.status_code == 404:
            _show_user(request)
            context = {
                "title": "Page not found",
                "heading": "Page not found",
                "message": "If you typed the web address, check it is correct. If you "
                "followed a link, the match may no longer exist after the latest run.",
            }
        else:
            context = {
                "title": "Sorry, there is a problem",
                "heading": "Sorry, there is a problem",
                "message": "The page could not be shown.",
            }
        return render(request, "error.html", context, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, _exc: RequestValidationError) -> Response:
        # The default handler echoes the input back; that could be personal data.
        as_json = _api_error(
            request,
            400,
            "bad_request",
            "The request was not understood: check the parameters and body against /openapi.json.",
        )
        if as_json is not None:
            return as_json
        context = {
            "title": "Sorry, there is a problem",
            "heading": "Sorry, there is a problem",
            "message": "The request was not understood. Go back and try again.",
        }
        return render(request, "error.html", context, status_code=400)

    @app.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception) -> Response:
        # Type only: exception text can carry data values.
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        as_json = _api_error(request, 500, "server_error", "Sorry, there is a problem.")
        if as_json is not None:
            return as_json
        context = {
            "title": "Sorry, there is a problem with the service",
            "heading": "Sorry, there is a problem with the service",
            "message": "Try again later. Nothing you entered has been saved.",
        }
        return render(request, "error.html", context, status_code=500)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api.health_router)
    app.include_router(api.router)
    app.include_router(auth.router, include_in_schema=False)
    app.include_router(dashboard.router, include_in_schema=False)
    app.include_router(matches.router, include_in_schema=False)
    app.include_router(pages.router, include_in_schema=False)
    app.include_router(corrections.router, include_in_schema=False)
    app.include_router(review.router, include_in_schema=False)
    app.include_router(governance.router, include_in_schema=False)
    app.include_router(governance.api_router)
    app.include_router(report_pages.router, include_in_schema=False)
    app.include_router(api_runs_reports.router)
    app.include_router(runs.router, include_in_schema=False)
    app.include_router(report_library.router, include_in_schema=False)
    return app


CONFIG_ENV = "JOINEDUP_CONFIG"  # the config file each worker process opens
WORKER_HEALTHCHECK_SECONDS = 60


def app_from_environment() -> FastAPI:
    """The app for one worker process of `joinedup serve --workers N` (see `serve`)."""
    import os

    from joinedup.hub import Hub

    return create_app(Hub.open(os.environ[CONFIG_ENV]))


def serve(hub: HubLike, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run the web UI; on a hub's first run, create "admin" and print its password once.

    With several workers, each is its own process with its own hub, opened from the same
    config file: the operational store serialises their audit writes (store/audit.py),
    and the analytical store is read-only.
    """
    import os

    import uvicorn

    from joinedup.governance.users import ensure_admin

    password = ensure_admin(hub.store)
    if password is not None:
        print(
            "\nCreated user 'admin' with password:\n\n    "
            f"{password}\n\nIt is shown only this once. Sign in and keep it safe; "
            "`joinedup` can reset it.\n",
            file=sys.stderr,
        )
    if workers > 1:
        path = getattr(hub.config, "path", None)
        if path is None:
            raise RuntimeError("several workers need a hub opened from a config file")
        os.environ[CONFIG_ENV] = str(path)
        uvicorn.run(
            "joinedup.web.app:app_from_environment",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            server_header=False,
            # The supervisor kills a worker that misses a health check; 5 s (the default)
            # is missed by a busy worker on a loaded machine, which then drops its requests.
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
            http=NoDelayHTTPProtocol,  # without it, ~45 ms a response (server_protocol.py)
        )
        return
    uvicorn.run(
        create_app(hub), host=host, port=port, server_header=False, http=NoDelayHTTPProtocol
    )
