from __future__ import annotations

from pathlib import Path

import pytest

from joinedup.store.db import OperationalStore


@pytest.fixture
def store(tmp_path: Path) -> OperationalStore:
    return OperationalStore.for_data_dir(tmp_path / "data")
