"""The examples in the docs are tested: every config in them must validate, and every
command they show must exist with the options it names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from joinedup.config import parse_config
from joinedup.rules.model import load_library

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _yaml_blocks(page: Path) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)


def test_every_docs_page_is_linked_from_the_index() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")} - {"index.md"}
    pages = {p for p in pages if not p.startswith("dev/")}
    missing = sorted(p for p in pages if f"({p})" not in index)
    assert not missing, f"pages not linked from docs/index.md: {missing}"


def test_the_config_example_validates() -> None:
    blocks = [b for b in _yaml_blocks(DOCS / "config.md") if "sources:" in b]
    assert blocks, "docs/config.md has no example config"
    for block in blocks:
        config = parse_config(yaml.safe_load(block))
        assert "council_tax" in config.sources
        assert config.sources["council_tax"].columns[1].parser == "surname_comma_forenames"


@pytest.mark.parametrize(
    "page",
    [
        "rules/single-person-discount.md",
        "rules/deceased-still-listed.md",
        "rules/blue-badge-after-death.md",
        "rules/housing-benefit-payroll.md",
        "rules/duplicate-creditor-payments.md",
        "rules/care-package-after-death.md",
        "rules/unlicensed-hmo.md",
        "rules/stale-address-after-move.md",
    ],
)
def test_rule_parameter_examples_name_real_parameters(page: str) -> None:
    library = load_library()
    for block in _yaml_blocks(DOCS / page):
        for rule_name, settings in yaml.safe_load(block)["rules"].items():
            assert rule_name in library
            assert set(settings["parameters"]) <= set(library[rule_name].parameters)


def test_the_api_people_search_example_validates() -> None:
    import json

    from joinedup.web.routers.api import PersonQuery

    text = (DOCS / "api.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```json\n(.*?)```", text, flags=re.S) if '"surname"' in b]
    assert blocks, "docs/api.md shows no people search"
    for block in blocks:
        query = PersonQuery.model_validate(json.loads(block))
        assert query.phone and query.surname


def _commands_shown() -> list[tuple[str, str]]:
    """(page, command line) for every `joinedup ...` command the docs and README show: a
    line of a code block, or a command in backticks."""
    found: list[tuple[str, str]] = []
    pages = [*sorted(DOCS.rglob("*.md")), DOCS.parent / "README.md"]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        lines = [
            line
            for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)
            for line in block.splitlines()
        ]
        lines += re.findall(r"`(joinedup [^`]+)`", text)
        for line in lines:
            line = line.split("#")[0].strip()
            if line.startswith("joinedup ") and "..." not in line and "|" not in line:
                found.append((page.name, line))
    return found


def test_every_command_the_docs_show_exists_with_its_options() -> None:
    """A command or option renamed in the code, and not in the docs, fails here."""
    import shlex

    import typer

    from joinedup.cli import app

    root = typer.main.get_command(app)
    checked, wrong = 0, []
    for page, line in _commands_shown():
        words = shlex.split(line.replace("[", " ").replace("]", " "))[1:]
        command = root
        while words and hasattr(command, "commands") and words[0] in command.commands:
            command = command.commands[words.pop(0)]
        if hasattr(command, "commands"):
            wrong.append(f"{page}: {line!r} names no command")
            continue
        options = {name for p in command.params for name in (*p.opts, *p.secondary_opts)}
        unknown = [
            w.split("=")[0] for w in words if w.startswith("-") and w.split("=")[0] not in options
        ]
        if unknown:
            wrong.append(f"{page}: {line!r}: no option {unknown}")
        checked += 1
    assert checked >= 40 and not wrong, wrong


def test_every_route_the_docs_show_exists(demo_hub_config) -> None:  # type: ignore[no-untyped-def]
    """`GET /api/v1/...` and the like, as the docs write them, against the app's API."""
    from joinedup.hub import Hub
    from joinedup.web.app import create_app

    shown = set()
    for page in [*sorted(DOCS.rglob("*.md")), DOCS.parent / "README.md"]:
        text = page.read_text(encoding="utf-8")
        for method, path in re.findall(r"\b(GET|POST|PUT|PATCH|DELETE) (/[\w/{}.-]+)", text):
            if not path.endswith("/{old"):  # a sentence's "{old_id}" cut by a line break
                shown.add((method, re.sub(r"\{[^}]+\}", "{}", path)))

    # The API's routes as the app publishes them (its OpenAPI description).
    schema = create_app(Hub.open(demo_hub_config.config_path)).openapi()
    served = {
        (method.upper(), re.sub(r"\{[^}]+\}", "{}", path))
        for path, operations in schema["paths"].items()
        for method in operations
    }
    missing = sorted(shown - served)
    assert len(shown) >= 15 and not missing, missing
