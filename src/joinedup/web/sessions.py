"""Signed-cookie sessions and CSRF tokens, with nothing kept on the server.

The cookie holds the user id, a fingerprint of the user's password hash (so resetting a
password ends every session of that account), a CSRF token and at most one flash
message. It is signed with the hub's `secret.key`, HttpOnly and SameSite=Lax, and is
replaced on sign-in so a token planted before sign-in is worthless after it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "joinedup_session"
SESSION_HOURS = 8  # one working day; sign in again after that
SECRET_FILE = "secret.key"


def load_secret(data_dir: Path) -> str:
    """The hub's signing key, created (0600, owner only) on first use."""
    path = data_dir / SECRET_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_text(encoding="ascii").strip()
        if len(secret) < 32:
            raise RuntimeError(f"{path} is too short to be a signing key; delete it") from None
        return secret
    secret = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secret)
    return secret


def password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


@dataclass
class WebSession:
    user_id: int | None = None
    password_fp: str | None = None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    signed_in_at: float | None = None
    flash: str | None = None
    modified: bool = False
    cleared: bool = False

    def sign_in(self, user_id: int, password_hash: str) -> None:
        """Start a fresh session: new CSRF token, so nothing from before carries over."""
        self.user_id = user_id
        self.password_fp = password_fingerprint(password_hash)
        self.csrf = secrets.token_urlsafe(32)
        self.signed_in_at = time.time()
        self.flash = None
        self.modified = True

    def sign_out(self) -> None:
        self.user_id = None
        self.password_fp = None
        self.signed_in_at = None
        self.csrf = secrets.token_urlsafe(32)
        self.modified = True

    def set_flash(self, message: str) -> None:
        self.flash = message
        self.modified = True

    def pop_flash(self) -> str | None:
        message, self.flash = self.flash, None
        if message is not None:
            self.modified = True
        return message

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf, str(token))


class SessionCodec:
    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="joinedup.session")

    def dumps(self, session: WebSession) -> str:
        payload: dict[str, Any] = {"c": session.csrf}
        if session.user_id is not None:
            payload |= {"u": session.user_id, "p": session.password_fp, "t": session.signed_in_at}
        if session.flash:
            payload["f"] = session.flash
        return self._serializer.dumps(payload)

    def loads(self, cookie: str | None) -> WebSession:
        """The session in the cookie, or a new anonymous one if it is missing or bad."""
        if not cookie:
            return WebSession(modified=True)
        try:
            payload = self._serializer.loads(cookie, max_age=SESSION_HOURS * 3600)
        except BadSignature:
            return WebSession(modified=True)
        if not isinstance(payload, dict) or not isinstance(payload.get("c"), str):
            return WebSession(modified=True)
        session = WebSession(csrf=payload["c"], flash=payload.get("f"))
        signed_in_at = payload.get("t")
        if (
            isinstance(payload.get("u"), int)
            and isinstance(signed_in_at, int | float)
            and time.time() - signed_in_at < SESSION_HOURS * 3600
        ):
            session.user_id = payload["u"]
            session.password_fp = payload.get("p")
            session.signed_in_at = signed_in_at
        return session
