"""People who sign in to the hub. Roles decide what the policy gate lets them see."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.store.base import Base, utcnow

Role = Literal["admin", "analyst", "investigator", "data_owner", "dpo", "partner_user"]
ROLES: tuple[str, ...] = get_args(Role)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    # None for the hub's own staff; a partner's organisation id (lower_snake_case, as
    # agreements name their parties) for partner users, whom agreements govern.
    organisation: Mapped[str | None] = mapped_column(String(100), default=None, index=True)
    # argon2id PHC string; the parameters travel with the hash so they can be raised later.
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
