"""Importing a local file: a video goes on V1, an audio-only file on A1 (an audio track is added
if the project has none), and it stays an audio clip once its upload makes it cloud."""

from __future__ import annotations

import time
import wave
from pathlib import Path

import httpx

from shotline.studio.collab.commands import RemoveTrack
from shotline.timeline.model import ClipKind, SourceType
from tests.studio.conftest import PROJECT, LiveServer

API = f"/api/projects/{PROJECT}"


def _tone(path: Path, seconds: float = 1.0, rate: int = 8000) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = int(seconds * rate)
        out.writeframes(b"".join(((i * 97) % 4000 - 2000).to_bytes(2, "little", signed=True)
                                 for i in range(frames)))  # fmt: skip
    return path


def _import(client: httpx.Client, **body: object) -> str:
    answer = client.post(f"{API}/local-clips", json={"duration": 1.0, "startTime": 0} | body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["clip_id"])


def test_a_video_goes_on_v1_and_an_audio_file_on_a1(
    server: LiveServer, member: httpx.Client
) -> None:
    timelines = server.services.timelines
    video_id = _import(member, filename="shot.mp4", width=640, height=360)
    video = timelines.get(PROJECT).clip(video_id)
    assert (video.kind, video.track_index, video.width) == (ClipKind.VIDEO, 0, 640)

    audio_id = _import(member, filename="voice.wav", type="audio")
    audio = timelines.get(PROJECT).clip(audio_id)
    assert (audio.kind, audio.track_index, audio.has_audio) == (ClipKind.AUDIO, 0, True)
    assert audio.source_type is SourceType.LOCAL and audio.width is None


def test_an_audio_file_adds_an_audio_track_when_there_is_none(
    server: LiveServer, member: httpx.Client
) -> None:
    timelines = server.services.timelines
    timelines.command(PROJECT, "member", RemoveTrack(op="removeTrack", kind="audio", index=0))
    assert timelines.get(PROJECT).audio_tracks == ()
    clip_id = _import(member, filename="music.mp3", type="audio")
    timeline = timelines.get(PROJECT)
    assert len(timeline.audio_tracks) == 1
    assert timeline.on_track(ClipKind.AUDIO, 0)[0].id == clip_id


def test_an_uploaded_audio_file_stays_an_audio_clip(
    server: LiveServer, member: httpx.Client, tmp_path: Path
) -> None:
    clip_id = _import(member, filename="voice.wav", type="audio")
    data = _tone(tmp_path / "voice.wav").read_bytes()
    body = {"filename": "voice.wav", "size": len(data), "clip_id": clip_id}
    url = f"{API}/uploads/{member.post(f'{API}/uploads', json=body).json()['id']}"
    member.put(url, params={"offset": 0}, content=data).raise_for_status()
    deadline = time.monotonic() + 60
    while (status := member.get(url).json()["status"]) not in ("ready", "failed"):
        assert time.monotonic() < deadline, "upload did not finish"
        time.sleep(0.05)
    assert status == "ready", member.get(url).json()
    clip = server.services.timelines.get(PROJECT).clip(clip_id)
    assert clip.source_type is SourceType.CLOUD and clip.kind is ClipKind.AUDIO
    assert clip.track_index == 0 and clip.source
