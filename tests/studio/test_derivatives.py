"""Thumbnail strips, waveform peaks and proxies of cataloged assets, cached by sha256."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from shotline.assets.blobs import LocalBlobStore
from shotline.assets.catalog import AssetCatalog, AssetKind
from shotline.db import create_tables, make_engine
from shotline.media.ffmpeg import run_ffmpeg
from shotline.media.frames import FrameReader
from shotline.media.ingest import inspect_upload
from shotline.media.testcard import TestCard, read_frame_index, write_testcard
from shotline.studio.derivatives import MediaDerivatives, NotVideo


@pytest.fixture
def catalog(tmp_path: Path) -> AssetCatalog:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    create_tables(engine)
    return AssetCatalog(engine, LocalBlobStore(tmp_path / "blobs"))


def test_proxy_only_where_the_source_is_not_browser_friendly(
    catalog: AssetCatalog, tmp_path: Path
) -> None:
    card = write_testcard(TestCard(Fraction(24), 2.0, gop=48, tone=220.0), tmp_path / "c.mp4")
    friendly = tmp_path / "friendly.mp4"
    run_ffmpeg(["-i", str(card), "-c", "copy", "-movflags", "+faststart", str(friendly)])
    avi = tmp_path / "camera.avi"
    run_ffmpeg(["-i", str(card), "-c:v", "mpeg4", "-q:v", "3", "-c:a", "mp3", str(avi)])
    derived = MediaDerivatives(catalog, tmp_path / "derived")
    good = catalog.add_file(friendly, kind=AssetKind.VIDEO, mime="video/mp4", duration=2.0)
    bad = catalog.add_file(avi, kind=AssetKind.VIDEO, mime="video/x-msvideo", duration=2.0)

    same = derived.proxy(good.sha256)
    assert same.is_original and same.path == catalog.local_path(good.sha256)
    proxy = derived.proxy(bad.sha256)
    assert not proxy.is_original and proxy.path.parent.name == bad.sha256
    found = inspect_upload(proxy.path)
    assert found.info.video_codec == "h264" and found.faststart
    assert found.packets.max_keyframe_gap <= 1.0 + 1 / 24 + 1e-6  # one frame of edit list
    with FrameReader(proxy.path) as reader:
        assert read_frame_index(reader.frame(30)) == 30
    assert derived.proxy(bad.sha256).path == proxy.path  # cached

    strip = derived.thumbnails(bad.sha256, count=4, height=45)
    assert strip.times == pytest.approx((0.25, 0.75, 1.25, 1.75))
    assert derived.thumbnails(bad.sha256, count=4, height=45) == strip  # from the cache

    peaks = derived.waveform(good.sha256, buckets=50)
    assert len(peaks) == 50 and max(hi for _, hi in peaks) == pytest.approx(0.3, abs=0.05)
    assert derived.waveform(good.sha256, buckets=50) == peaks


def test_audio_has_peaks_but_no_thumbnails(catalog: AssetCatalog, tmp_path: Path) -> None:
    from shotline.media.testcard import write_tone_file

    tone = write_tone_file(tmp_path / "tone.m4a", 1.0, 440.0)
    asset = catalog.add_file(tone, kind=AssetKind.AUDIO, mime="audio/mp4", duration=1.0)
    derived = MediaDerivatives(catalog, tmp_path / "derived")
    with pytest.raises(NotVideo):
        derived.thumbnails(asset.sha256, count=3)
    with pytest.raises(ValueError):
        derived.waveform(asset.sha256, buckets=0)
    assert len(derived.waveform(asset.sha256, buckets=10)) == 10


def test_the_sound_alone_is_the_file_when_browsers_play_it_else_m4a(
    catalog: AssetCatalog, tmp_path: Path
) -> None:
    from shotline.media.probe import probe
    from shotline.media.testcard import write_tone_file
    from shotline.studio.derivatives import NoAudio

    tone = write_tone_file(tmp_path / "tone.m4a", 1.0, 440.0)
    wav = tmp_path / "narration.wav"
    run_ffmpeg(["-i", str(tone), "-ac", "1", "-c:a", "pcm_s16le", str(wav)])
    aiff = tmp_path / "voice.aiff"
    run_ffmpeg(["-i", str(tone), "-c:a", "pcm_s16be", str(aiff)])
    card = write_testcard(TestCard(Fraction(24), 1.0, gop=24, tone=220.0), tmp_path / "c.mp4")
    silent = write_testcard(TestCard(Fraction(24), 1.0, gop=24), tmp_path / "silent.mp4")
    derived = MediaDerivatives(catalog, tmp_path / "derived")
    # A film stores its WAV narration as audio/mp4: the type served comes from the file itself.
    narration = catalog.add_file(wav, kind=AssetKind.AUDIO, mime="audio/mp4", duration=1.0)
    sound = derived.audio(narration.sha256)
    assert sound.is_original and sound.mime == "audio/wav"
    assert sound.path == catalog.local_path(narration.sha256)

    for source, kind in ((aiff, AssetKind.AUDIO), (card, AssetKind.VIDEO)):
        asset = catalog.add_file(source, kind=kind, mime="application/octet-stream")
        sound = derived.audio(asset.sha256)
        info = probe(sound.path)
        assert not sound.is_original and sound.mime == "audio/mp4"
        assert sound.path.parent.name == asset.sha256
        assert not info.has_video and info.audio_codec == "aac"
        assert info.duration == pytest.approx(1.0, abs=0.05)
        assert derived.audio(asset.sha256) == sound  # cached

    mute = catalog.add_file(silent, kind=AssetKind.VIDEO, mime="video/mp4", duration=1.0)
    with pytest.raises(NoAudio):
        derived.audio(mute.sha256)
