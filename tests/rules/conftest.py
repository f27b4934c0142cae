"""A private copy of the demo run's analytical store, for running rules against it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from joinedup.engine import analytical
from joinedup.hub import Hub


@pytest.fixture()
def run_copy(demo_hub_config, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    hub = Hub.open(demo_hub_config.config_path)
    source = analytical.current_path(hub.data_dir)
    assert source is not None
    target = tmp_path / "run.duckdb"
    shutil.copy(source, target)
    con = duckdb.connect(str(target))
    yield con
    con.close()
