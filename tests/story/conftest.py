"""A small hand-written script (two scenes, four segments) as plain data, the way YAML gives it."""

from __future__ import annotations

from typing import Any

import pytest


def script_data() -> dict[str, Any]:
    return {
        "title": "Moss on the Moon",
        "logline": "A stranded astronaut finds a garden.",
        "style": "pencil storyboard",
        "characters": [
            {
                "id": "mara",
                "name": "Mara",
                "appearance": {
                    "clothing": "a white pressure suit with orange patches",
                    "hair": "short black hair",
                    "face": "grey eyes, a scar on the chin",
                    "build": "lean",
                    "age": "late 30s",
                },
                "voice": "female",
                "description": "stubborn, resourceful",
            },
            {
                "id": "theo",
                "name": "Theo",
                "appearance": {"clothing": "a navy flight jacket", "hair": "grey curls"},
                "voice": "male",
                "description": "a rescue pilot, cheerful",
            },
        ],
        "environments": [
            {
                "id": "crater",
                "name": "Crater rim",
                "lighting": "hard low sunlight",
                "materials": "grey regolith",
                "palette": "ash grey, black",
                "atmosphere": "airless silence, no people for miles",
            },
            {"id": "garden", "name": "Hidden garden", "lighting": "soft green light"},
        ],
        "props": [{"id": "gauge", "name": "Oxygen gauge", "description": "a cracked gauge"}],
        "scenes": [
            {
                "id": "intro",
                "environment": "crater",
                "segments": [
                    {"id": "seg01", "narration": "Mara is alone.", "action": "Mara walks.",
                     "characters": ["mara"], "camera": "wide"},
                    {"id": "seg02", "narration": "Air is low.", "action": "Mara checks the gauge.",
                     "characters": ["mara"], "props": ["gauge"], "camera": "close-up"},
                    {"id": "seg03", "narration": "A green light.", "action": "Mara climbs down.",
                     "characters": ["mara"], "camera": "medium"},
                ],
            },
            {
                "id": "finale",
                "environment": "garden",
                "segments": [
                    {"id": "seg04", "narration": "Theo arrives.", "action": "Theo finds Mara.",
                     "characters": ["mara", "theo"], "camera": "over-the-shoulder",
                     "dialogue": [{"speaker": "theo", "text": "Mara? Look at this."}]},
                ],
            },
        ],
    }  # fmt: skip


@pytest.fixture
def data() -> dict[str, Any]:
    return script_data()
