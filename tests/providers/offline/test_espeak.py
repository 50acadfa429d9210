from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from shotline.providers.contracts import SimpleContext, SpeechRequest
from shotline.providers.errors import Canceled, CapabilityError
from shotline.providers.offline.espeak import SAMPLE_RATE, VOICES, EspeakSpeech

SHORT = "The door opens."
LONG = (
    "The door opens, and the astronaut steps out onto the grey dust, looking for any sign of life."
)


def speak(ctx: SimpleContext, text: str, **kw: object) -> tuple[float, np.ndarray]:  # type: ignore[type-arg]
    out = EspeakSpeech().generate(SpeechRequest(text=text, **kw), ctx)  # type: ignore[arg-type]
    assert out.path is not None and out.mime == "audio/wav" and out.duration is not None
    with wave.open(str(out.path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, SAMPLE_RATE)
        samples = np.frombuffer(wav.readframes(wav.getnframes()), np.int16)
    assert out.duration == pytest.approx(len(samples) / SAMPLE_RATE)
    return out.duration, samples


def test_duration_follows_text(ctx: SimpleContext) -> None:
    short, samples = speak(ctx, SHORT)
    long, _ = speak(ctx, LONG)
    assert short > 0.3 and np.abs(samples).max() > 1000
    assert 3 < long / short < 12  # roughly proportional to length


def test_voices_differ(ctx: SimpleContext) -> None:
    _, male = speak(ctx, SHORT, voice="male")
    _, female = speak(ctx, SHORT, voice="female")
    assert len(male) != len(female) or not np.array_equal(male, female)
    for voice in VOICES:
        assert speak(ctx, "Hello.", voice=voice)[0] > 0


def test_rate_changes_duration(ctx: SimpleContext) -> None:
    slow, _ = speak(ctx, LONG, rate=120)
    fast, _ = speak(ctx, LONG, rate=280)
    assert slow > fast * 1.6


def test_repeatable(ctx: SimpleContext) -> None:
    # libespeak-ng carries a little synthesizer state between calls: repeats agree to a few
    # samples in length, not bit for bit.
    a, b = speak(ctx, SHORT)[0], speak(ctx, SHORT)[0]
    assert abs(a - b) < 0.01


def test_unknown_voice_and_cancel(tmp_path: Path) -> None:
    provider = EspeakSpeech()
    assert provider.info.capabilities.voices == tuple(VOICES)
    with pytest.raises(CapabilityError):
        provider.generate(SpeechRequest(text="hi", voice="gollum"), SimpleContext(tmp_path))
    with pytest.raises(Canceled):
        provider.generate(SpeechRequest(text="hi"), SimpleContext(tmp_path, cancel_flag=True))


JAPANESE = "月に取り残された宇宙飛行士が歩き回り自然を見つける。"  # 26 characters
ARABIC = "رائد فضاء عالق على القمر يتجول ويكتشف الطبيعة."


def test_each_language_is_spoken_by_its_own_voice(ctx: SimpleContext) -> None:
    assert len(JAPANESE) == 26
    provider = EspeakSpeech()
    seconds = {}
    for text, language, voice in ((JAPANESE, "ja", "ja+m3"), (ARABIC, "ar", "ar+m3"),
                                  (LONG, "en", "en-us+m3")):  # fmt: skip
        out = provider.generate(SpeechRequest(text=text, voice="narrator"), ctx)
        assert out.metadata["language"] == language
        assert out.metadata["espeak_voice"] == voice
        assert out.duration is not None
        seconds[language] = out.duration
    # An English voice spells such text out letter by letter (19 s for this Japanese line, 25 s
    # for the Arabic one); read in its language it takes about as long as a person would.
    assert 2.0 < seconds["ja"] < 8.0
    assert 2.0 < seconds["ar"] < 7.0
    assert 2.5 < seconds["en"] < 8.0


def test_japanese_kanji_are_read_not_spelled(ctx: SimpleContext) -> None:
    # eSpeak's Japanese voice reads kana; kanji are turned into their reading first, so a line
    # in kanji and kana lasts about as long as the same line written in kana alone.
    kanji, _ = speak(ctx, JAPANESE, voice="female")
    kana, _ = speak(ctx, "つきにとりのこされたうちゅうひこうしがあるきまわりしぜんをみつける。",
                    voice="female")  # fmt: skip
    assert abs(kanji - kana) < 0.25 * kana


def test_a_line_sounds_the_same_whatever_was_said_before(ctx: SimpleContext) -> None:
    # libespeak-ng carries wave-generator state from one utterance to the next: a film's lines,
    # spoken in queue order, came out hundreds of samples longer or shorter than alone.
    from shotline.providers.offline.espeak import synthesize

    line = "Mara walks alone along the crater rim."
    alone = synthesize(line, VOICES["narrator"], 165, 50)
    synthesize("Look what I found.", VOICES["female"], 170, 40)
    synthesize("That is impossible.", VOICES["male"], 150, 50)
    after = synthesize(line, VOICES["narrator"], 165, 50)
    assert len(alone) > SAMPLE_RATE and after == alone
