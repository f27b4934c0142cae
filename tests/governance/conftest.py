from __future__ import annotations

import pytest

from joinedup.store.db import OperationalStore


@pytest.fixture
def store(operational_store: OperationalStore) -> OperationalStore:
    """Every governance test runs on SQLite and, when a server is given, PostgreSQL."""
    return operational_store
