"""One small synthetic council shared by the demo tests (it takes about a second)."""

from __future__ import annotations

import pytest
from demo_files import AS_OF

from joinedup.demo import DemoSummary, generate


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return generate(tmp_path_factory.mktemp("demo") / "council", people=3000, seed=11, as_of=AS_OF)
