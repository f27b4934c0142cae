"""API tokens: signed, expiring, and tied to the user's current password.

A token is the user id, a fingerprint of the user's password hash and the time it was
issued, signed with the hub's `secret.key` (the same key as the session cookie, with a
different salt, so a cookie can never be replayed as a token or the other way round).
Nothing is kept on the server, so there is no token table to migrate: resetting the
user's password ends every token they hold, as it ends their sessions. A token carries
the user's own role; the policy gate still decides every read, and audits it under the
user's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from joinedup.store.users import User
from joinedup.web.sessions import password_fingerprint

TOKEN_DAYS = 90  # a quarter: long enough for a scheduled job, short enough to rotate
TOKEN_PREFIX = "ju_"  # so secret scanners and people can tell a JoinedUp token at a glance


@dataclass(frozen=True)
class TokenCodec:
    secret: str

    @property
    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt="joinedup.api-token")

    def issue(self, user: User) -> str:
        payload = {"u": user.id, "p": password_fingerprint(user.password_hash)}
        return TOKEN_PREFIX + self._serializer.dumps(payload)

    def user_for(self, db: Session, token: str | None) -> User | None:
        """The user a token speaks for, or None if it is missing, forged, old or revoked."""
        if not token or not token.startswith(TOKEN_PREFIX):
            return None
        try:
            payload = self._serializer.loads(
                token.removeprefix(TOKEN_PREFIX), max_age=TOKEN_DAYS * 86400
            )
        except BadSignature:
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
            return None
        user = db.get(User, payload["u"])
        if user is None or password_fingerprint(user.password_hash) != payload.get("p"):
            return None
        return user
