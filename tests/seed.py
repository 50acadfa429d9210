"""The example timeline from seed 000 ("What Gets Saved"), as the seed prints it."""

from typing import Any

SEED_EXAMPLE: dict[str, Any] = {
    "name": "Scene 4 - Street Chase",
    "savedAt": "2026-02-16T08:30:00.000Z",
    "savedBy": "JP Castel",
    "clips": [
        {
            "id": "clip-1771238166454",
            "name": "establishing_wide.mp4",
            "duration": 8.5,
            "startTime": 0,
            "trackIndex": 0,
            "sourceType": "cloud",
            "cloudUrl": "/api/clips/establishing_wide.mp4",
            "linkedClipIds": [],
            "hasAudio": True,
        },
        {
            "id": "clip-gen-1771238213411",
            "name": "AI: jeep drives under camera",
            "duration": 4.8,
            "startTime": 8.5,
            "trackIndex": 1,
            "sourceType": "generated",
            "cloudUrl": "/api/clips/4bbd3ff0-...mp4",
            "linkedClipIds": ["clip-1771238166454", "clip-1771238320050"],
        },
    ],
    "tracks": [{"id": "v1", "name": "V1"}, {"id": "v2", "name": "V2"}],
    "audioTracks": [{"id": "a1", "name": "A1"}],
}
