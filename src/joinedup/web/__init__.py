"""The web UI: `create_app(hub)` for tests and embedding, `serve(hub)` to run it."""

from joinedup.web.app import create_app, serve

__all__ = ["create_app", "serve"]
