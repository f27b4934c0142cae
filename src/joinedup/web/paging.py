"""A long list a part at a time: the API answers with `limit` and `offset`, the pages with
page numbers; both cut their lists here, so every list pages the same way."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


def api_page(items: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    """The API's answer for one part of a list: its items and where they sit in the whole."""
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def api_slice(
    everything: Sequence[T], limit: int, offset: int, item: Callable[[T], Any] | None = None
) -> dict[str, Any]:
    """One part of a list held in memory, each element made an item (only those shown)."""
    part = everything[offset : offset + limit]
    items = [item(x) for x in part] if item is not None else list(part)
    return api_page(items, len(everything), limit, offset)


def count_and_fetch(
    db: Session, query: Select[Any], order_by: Sequence[Any], limit: int, offset: int
) -> tuple[int, list[Any]]:
    """How many rows the query finds in all, and the ones in this part, in this order."""
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.order_by(*order_by).limit(limit).offset(offset))
    return int(total), list(rows)


def page_number(page: int, total: int, page_size: int) -> tuple[int, int]:
    """The page to show, kept between the first and the last, and how many pages there are
    (one at least, so an empty list still has a page to say so)."""
    pages = max(1, math.ceil(total / page_size))
    return min(max(page, 1), pages), pages
