"""The script format as published: ``film schema`` and docs/script.md agree with the model."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import yaml
from typer.testing import CliRunner

from shotline.cli import app
from shotline.story.script import parse_script

DOCS = Path(__file__).resolve().parents[2] / "docs" / "script.md"


def documented_example() -> dict[str, object]:
    (block,) = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(), re.S)
    data: dict[str, object] = yaml.safe_load(block)
    return data


def test_the_schema_accepts_the_documented_example_and_the_model_does_too(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["film", "schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["title"] == "shotline film script" and "scenes" in schema["required"]

    example = documented_example()
    jsonschema.validate(example, schema)
    script = parse_script(example, "docs/script.md")
    assert [s.id for s in script.segments] == ["s1", "s2", "s3"]

    written = tmp_path / "script.schema.json"
    assert CliRunner().invoke(app, ["film", "schema", "-o", str(written)]).exit_code == 0
    assert json.loads(written.read_text()) == schema


def test_a_misspelt_key_is_refused_by_the_schema_as_by_the_model() -> None:
    schema = json.loads(CliRunner().invoke(app, ["film", "schema"]).output)
    example = documented_example()
    example["titel"] = "typo"
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(example))
    assert any("titel" in e.message for e in errors)
