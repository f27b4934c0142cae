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
