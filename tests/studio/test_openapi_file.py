"""The web client's types are generated from ``web/openapi.json``: it must describe the API as
it is (after changing a route: ``python -m shotline.studio.openapi > web/openapi.json`` and
``npm run gen:api`` in web/)."""

from __future__ import annotations

import json
from pathlib import Path

from shotline.studio.app import openapi_schema

COMMITTED = Path(__file__).resolve().parents[2] / "web" / "openapi.json"


def test_the_committed_description_is_the_api_as_it_is() -> None:
    current = json.loads(json.dumps(openapi_schema()))
    assert json.loads(COMMITTED.read_text()) == current, (
        "web/openapi.json is stale: python -m shotline.studio.openapi > web/openapi.json; "
        "cd web && npm run gen:api"
    )
