"""Shared fixtures: a small synthetic council, generated and run once per test session."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class DemoHub:
    folder: Path
    config_path: Path


@pytest.fixture(scope="session")
def demo_hub_config(tmp_path_factory: pytest.TempPathFactory) -> DemoHub:
    """A 1,500-person council with its truth, after one complete run."""
    from joinedup.demo import generate
    from joinedup.hub import Hub

    folder = tmp_path_factory.mktemp("council")
    generate(folder, people=1500, seed=7)
    config_path = folder / "joinedup.yaml"
    Hub.open(config_path).run()
    return DemoHub(folder=folder, config_path=config_path)


@pytest.fixture()
def fresh_demo_copy(demo_hub_config: DemoHub, tmp_path: Path) -> DemoHub:
    """A private copy of the run council, for tests that change files or run again."""
    target = tmp_path / "council"
    shutil.copytree(demo_hub_config.folder, target)
    return DemoHub(folder=target, config_path=target / "joinedup.yaml")


PG_URL_ENV = "JOINEDUP_TEST_PG_URL"


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def operational_store(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A migrated, empty operational store: SQLite, and PostgreSQL when JOINEDUP_TEST_PG_URL
    is set (`.ci/run` starts a server), so the store tests run on both.

    Each PostgreSQL store lives in its own throwaway schema, dropped afterwards.
    """
    import os
    import uuid

    from sqlalchemy import create_engine, text

    from joinedup.store.db import OperationalStore

    if request.param == "sqlite":
        yield OperationalStore.for_data_dir(tmp_path / "data")
        return
    url = os.environ.get(PG_URL_ENV)
    if not url:
        pytest.skip(f"{PG_URL_ENV} is not set")
    schema = f"joinedup_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    store = OperationalStore(f"{url}{sep}options=-csearch_path%3D{schema}")
    try:
        store.create_schema()
        yield store
    finally:
        store.engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
