"""Offline speech: eSpeak NG (the library and data that ``espeakng-loader`` ships) through ctypes.

Robotic but instant and fully offline: a scratch narration track for timing a cut, replaced later by
a real voice. Our voice names map to an eSpeak language voice plus a variant (``en-us+f3``) and a
pitch offset. libespeak-ng keeps one global synthesizer, so every call holds ``_LOCK``.

Text in another script is spoken by eSpeak's voice for that language with the same variant
(``ja+m3`` for the narrator reading Japanese): an English voice reads Japanese or Arabic letter by
letter, by their Unicode names, which made a 26-character Japanese line last 19 s. eSpeak's
Japanese voice reads kana only (its ``ja_list`` has no kanji readings: a kanji is spelled out), so
Japanese text goes through pykakasi's dictionary to hiragana first.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import multiprocessing
import signal
import threading
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shotline.language import language_of
from shotline.providers.contracts import (
    Capabilities,
    Free,
    Kind,
    Output,
    ProviderInfo,
    Request,
    RunContext,
    SpeechRequest,
)
from shotline.providers.errors import Canceled, CapabilityError, ProviderFailed

SAMPLE_RATE = 22050  # what libespeak-ng synthesizes at; checked against espeak_Initialize

# speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_ENDPAUSE = 0x1000
_RATE, _VOLUME, _PITCH, _RANGE = 1, 2, 3, 4
_EE_OK = 0

# int callback(short *wav, int numsamples, espeak_EVENT *events): 0 continues, 1 aborts.
_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


@dataclass(frozen=True)
class Voice:
    espeak: str  # espeak_SetVoiceByName: voice file name (en = British, en-us ...) [+variant]
    pitch: int = 0  # added to the request's pitch (0..99 after clamping)
    describe: str = ""


VOICES: dict[str, Voice] = {
    "narrator": Voice("en-us+m3", -6, "American English, low male"),
    "male": Voice("en-us+m1", 0, "American English, male"),
    "female": Voice("en-us+f3", 0, "American English, female"),
    "child": Voice("en-us+f4", 22, "American English, high and bright"),
    "elder": Voice("en+grandpa", -4, "British English, older male"),
    "whisper": Voice("en-us+whisper", 0, "American English, whispered"),
    "robot": Voice("en-us+robosoft", 0, "American English, synthetic"),
    "en-us": Voice("en-us", 0, "American English, default"),
    "en-gb": Voice("en", 0, "British English, default"),
    "en-gb-female": Voice("en+f2", 0, "British English, female"),
    "en-scotland": Voice("en-gb-scotland", 0, "Scottish English"),
    "en-caribbean": Voice("en-029", 0, "Caribbean English"),
}

# Our language codes (``shotline.language``) -> eSpeak NG voice files (espeak-ng-data/lang).
LANGUAGE_VOICES = {
    "ja": "ja",
    "zh": "cmn",
    "ko": "ko",
    "ar": "ar",
    "he": "he",
    "ru": "ru",
    "el": "el",
    "hi": "hi",
    "th": "th",
}

_LOCK = threading.Lock()
_state: dict[str, Any] = {}  # "lib", "rate", "samples", "callback", "abort"


def _library() -> Any:
    """Load and initialise libespeak-ng once per process (call with ``_LOCK`` held)."""
    if "lib" in _state:
        return _state["lib"]
    import espeakng_loader

    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p,  # text
        ctypes.c_size_t,  # size
        ctypes.c_uint,  # position
        ctypes.c_int,  # position_type
        ctypes.c_uint,  # end_position
        ctypes.c_uint,  # flags
        ctypes.POINTER(ctypes.c_uint),  # unique_identifier
        ctypes.c_void_p,  # user_data
    ]
    lib.espeak_Synth.restype = ctypes.c_int
    lib.espeak_Synchronize.argtypes = []
    lib.espeak_Synchronize.restype = ctypes.c_int
    data = espeakng_loader.get_data_path().encode()
    rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
    if rate <= 0:
        raise ProviderFailed("libespeak-ng failed to initialise", provider="offline.espeak")
    samples: list[bytes] = []

    def collect(wav: Any, count: int, _events: Any) -> int:
        if count > 0 and wav:
            samples.append(ctypes.string_at(wav, count * 2))
        return 1 if _state.get("abort") and _state["abort"]() else 0

    callback = _CALLBACK(collect)  # kept referenced: the library holds a raw pointer to it
    lib.espeak_SetSynthCallback(callback)
    _state.update(lib=lib, rate=rate, samples=samples, callback=callback, abort=None)
    return lib


def synthesize(text: str, voice: Voice, rate: int, pitch: int, abort: Any = None) -> bytes:
    """16-bit little-endian mono PCM at ``SAMPLE_RATE`` for ``text``, the same for the same
    inputs whatever was said before.

    Each utterance is made in a fresh process. libespeak-ng keeps wave-generator state (the
    phase of its pitch flutter among it) in C statics that carry over from one utterance to the
    next and survive ``espeak_Terminate``: the same line came out hundreds of samples longer or
    shorter depending on what the process had synthesised before, so a film's narration (many
    lines, in queue order) differed from run to run and from ``generate speech`` alone. Worker
    processes come from a fork server that has loaded nothing of libespeak-ng, one per line.
    """
    context = _forkserver()
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_speak_once, args=(send, text, voice, rate, pitch), daemon=True)
    child.start()
    send.close()
    try:
        while not receive.poll(0.02):
            if abort is not None and abort():
                child.kill()  # the caller checks its own cancellation next
                return b""
            if not child.is_alive() and not receive.poll(0):
                raise ProviderFailed(
                    f"the eSpeak process ended with code {child.exitcode} and no sound",
                    provider="offline.espeak",
                )
        result: bytes | tuple[str, str] = receive.recv()
    finally:
        receive.close()
        child.join(timeout=10)
    if isinstance(result, tuple):
        kind, message = result
        error = CapabilityError if kind == "CapabilityError" else ProviderFailed
        raise error(message.removeprefix("offline.espeak: "), provider="offline.espeak")
    return result


_CONTEXT_LOCK = threading.Lock()


def _forkserver() -> Any:
    """Processes forked from a clean server (never from this process: its threads, and the
    engine's, must not be copied mid-lock), with only this module preloaded."""
    with _CONTEXT_LOCK:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["shotline.providers.offline.espeak"])
        return context


def _speak_once(send: Any, text: str, voice: Voice, rate: int, pitch: int) -> None:
    """One utterance in a fresh process, sent back as PCM bytes or (error type, message)."""
    # A terminal's Ctrl-C reaches the whole process group: the parent answers it in one line.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    result: bytes | tuple[str, str]
    try:
        result = _synthesize_here(text, voice, rate, pitch)
    except Exception as exc:  # sent as plain data: provider errors take keyword arguments
        result = (type(exc).__name__, str(exc))
    try:
        send.send(result)
    except OSError:
        pass  # the parent is gone (Ctrl-C): nobody to answer
    finally:
        send.close()


def _synthesize_here(text: str, voice: Voice, rate: int, pitch: int, abort: Any = None) -> bytes:
    """``synthesize`` in this process (its state carries over: see ``synthesize``)."""
    with _LOCK:
        lib = _library()
        if _state["rate"] != SAMPLE_RATE:
            raise ProviderFailed(
                f"libespeak-ng runs at {_state['rate']} Hz, expected {SAMPLE_RATE}",
                provider="offline.espeak",
            )
        if lib.espeak_SetVoiceByName(voice.espeak.encode()) != _EE_OK:
            raise CapabilityError(
                f"eSpeak has no voice {voice.espeak!r}", provider="offline.espeak"
            )
        lib.espeak_SetParameter(_RATE, max(80, min(450, rate)), 0)
        lib.espeak_SetParameter(_PITCH, max(0, min(99, pitch + voice.pitch)), 0)
        lib.espeak_SetParameter(_VOLUME, 100, 0)
        samples: list[bytes] = _state["samples"]
        samples.clear()
        _state["abort"] = abort
        encoded = text.encode("utf-8") + b"\0"
        buffer = ctypes.create_string_buffer(encoded, len(encoded))
        try:
            status = lib.espeak_Synth(
                buffer, len(encoded), 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _ENDPAUSE, None, None
            )
            lib.espeak_Synchronize()
        finally:
            _state["abort"] = None
        pcm = b"".join(samples)
        samples.clear()
        if status != _EE_OK:
            raise ProviderFailed(f"espeak_Synth returned {status}", provider="offline.espeak")
        return pcm


def voice_for_text(voice: Voice, text: str) -> tuple[Voice, str]:
    """The voice to read ``text`` with (same variant and pitch, the text's language) and its
    language code. Latin-script text keeps the voice as it is."""
    language = language_of(text)
    name = LANGUAGE_VOICES.get(language)
    if name is None:
        return voice, "en"
    _, plus, variant = voice.espeak.partition("+")
    return Voice(f"{name}{plus}{variant}", voice.pitch, voice.describe), language


def speakable(text: str, language: str) -> str:
    """What eSpeak is given: Japanese kanji turned into hiragana (eSpeak reads only kana)."""
    if language != "ja":
        return text
    return "".join(item["hira"] for item in _kakasi().convert(text))


@functools.cache
def _kakasi() -> Any:
    import pykakasi

    return pykakasi.kakasi()  # type: ignore[no-untyped-call]


class EspeakSpeech:
    """``offline.espeak``: text to a 22.05 kHz mono WAV."""

    def __init__(self) -> None:
        self.info = ProviderInfo(
            id="offline.espeak",
            kind=Kind.SPEECH,
            model="espeak-ng",
            version="2",  # 2: a voice of the text's language
            label="eSpeak NG (offline, robotic scratch voice)",
            capabilities=Capabilities(voices=tuple(VOICES)),
            pricing=Free(),
            queue="cpu",
            offline=True,
        )

    def generate(self, request: Request, ctx: RunContext) -> Output:
        if not isinstance(request, SpeechRequest):
            raise CapabilityError(
                f"expects a speech request, got {request.kind}", provider=self.info.id
            )
        voice = VOICES.get(request.voice)
        if voice is None:
            raise CapabilityError(
                f"has no voice {request.voice!r} (voices: {', '.join(VOICES)})",
                provider=self.info.id,
            )
        if ctx.cancelled():
            raise Canceled("canceled before synthesis", provider=self.info.id)
        spoken, language = voice_for_text(voice, request.text)
        ctx.progress(0.0, f"speaking {len(request.text)} characters as {request.voice}")
        text = speakable(request.text, language)
        pcm = synthesize(text, spoken, request.rate, request.pitch, abort=ctx.cancelled)
        if ctx.cancelled():
            raise Canceled("canceled during synthesis", provider=self.info.id)
        key = hashlib.sha256(
            f"{request.voice}|{request.rate}|{request.pitch}|{request.text}".encode()
        ).hexdigest()[:16]
        path = Path(ctx.workdir) / f"espeak-{key}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(SAMPLE_RATE)
            out.writeframes(pcm)
        ctx.progress(1.0, "done")
        count = len(pcm) // 2
        return Output(
            path=path,
            mime="audio/wav",
            duration=count / SAMPLE_RATE,
            metadata={
                "voice": request.voice,
                "espeak_voice": spoken.espeak,
                "language": language,
                "samples": count,
            },
        )
