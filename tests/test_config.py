"""Config validation: errors name the source, the key and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from joinedup.config import ConfigError, load_config, parse_config


def _minimal(**overrides: object) -> dict:
    source = {
        "owner": "Head of Revenues",
        "file": "ct.csv",
        "key": "record_key",
        "columns": [
            {"column": "Account Ref", "field": "record_key"},
            {"column": "Name", "field": "full_name", "parser": "surname_comma_forenames"},
        ],
    }
    source.update(overrides)
    return {"hub": {"name": "Test"}, "sources": {"council_tax": source}}


def test_a_minimal_config_is_valid_and_guesses_the_format() -> None:
    config = parse_config(_minimal())
    source = config.sources["council_tax"]
    assert source.name == "council_tax"
    assert source.file_format() == "csv"


def test_an_unknown_parser_is_reported_with_source_and_mapping() -> None:
    data = _minimal()
    data["sources"]["council_tax"]["columns"][1]["parser"] = "surname_first"
    with pytest.raises(ConfigError) as error:
        parse_config(data)
    message = str(error.value)
    assert "source 'council_tax'" in message
    assert "column mapping #2" in message
    assert "unknown parser 'surname_first'" in message


def test_a_missing_owner_and_a_misspelt_key_are_both_reported() -> None:
    data = _minimal()
    del data["sources"]["council_tax"]["owner"]
    data["sources"]["council_tax"]["retention_period"] = "6 years"
    with pytest.raises(ConfigError) as error:
        parse_config(data)
    message = str(error.value)
    assert "2 problem(s)" in message
    assert "key 'owner': is required but missing" in message
    assert "key 'retention_period': is not a known setting" in message


def test_the_key_field_must_be_mapped() -> None:
    with pytest.raises(ConfigError, match="key field 'uprn' is not mapped"):
        parse_config(_minimal(key="uprn"))


def test_a_parser_must_fit_its_field() -> None:
    data = _minimal()
    data["sources"]["council_tax"]["columns"][1]["field"] = "surname"
    with pytest.raises(ConfigError, match="cannot fill field 'surname'"):
        parse_config(data)


def test_the_gazetteer_must_be_a_source() -> None:
    data = _minimal()
    data["hub"]["gazetteer"] = "llpg"
    with pytest.raises(ConfigError, match="'llpg', which is not a source"):
        parse_config(data)


def test_sources_trusted_for_golden_records_must_be_sources() -> None:
    data = _minimal()
    data["link"] = {"source_trust": ["council_tax"], "field_trust": {"surname": ["counciltax"]}}
    with pytest.raises(ConfigError, match="link.field_trust.surname names 'counciltax'"):
        parse_config(data)
    data["link"]["field_trust"] = {"surname": ["council_tax"]}
    assert parse_config(data).link.field_trust == {"surname": ["council_tax"]}


def test_load_config_reports_a_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no config file"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("hub: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_paths_are_relative_to_the_config(tmp_path: Path) -> None:
    path = tmp_path / "joinedup.yaml"
    import yaml

    path.write_text(yaml.safe_dump(_minimal()), encoding="utf-8")
    config = load_config(path)
    assert config.source_path(config.sources["council_tax"]) == tmp_path / "ct.csv"
    assert config.data_dir == tmp_path / ".joinedup"
