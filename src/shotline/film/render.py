"""Phase 3: sound, motion, assembly.

1. Speech per segment: the narration in the narrator's voice, each dialogue line in its speaker's.
2. The narration master track; it is the clock: segment slots come from it (``film.timing``).
3. The whole phase is priced and must be approved (or fit ``--budget``) before anything is paid.
   When speech itself costs money its durations are not known yet, so the estimate is made from
   the text and checked again, exactly, once the speech exists.
4. Video per segment, all submitted before any is waited for, each pinned to keyframe i (first
   frame) and keyframe i+1 (last frame), as long as its slot in the provider's granularity.
5. Lip sync for dialogue segments, non-blocking: a failure keeps the plain clip.
6. Assembly (skipped when its inputs are those of the last assembly) and the storyboard sheet.
"""

from __future__ import annotations

import filecmp
import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from shotline.assets.blobs import copy_to, sha256_file
from shotline.files import write_atomic
from shotline.film.assembly import SegmentClip, assemble
from shotline.film.budget import BudgetExceeded, Estimate, check_budget, estimate
from shotline.film.context import FilmContext
from shotline.film.generation import Ask, Outcome, Plan, require
from shotline.film.narration import NarrationTrack, SegmentAudio, build_narration, lipsync_audio
from shotline.film.runs import Phase
from shotline.film.sheet import contact_sheet
from shotline.film.subtitles import Cue, SpokenLine, cues, subtitle_language
from shotline.film.timing import GenerationLength, generation_length, slot_frames
from shotline.jobs.engine import credit_frames
from shotline.providers.contracts import (
    Kind,
    LipsyncRequest,
    SpeechRequest,
    VideoRequest,
    known_cost,
)
from shotline.story.prompts import segment_video_prompt
from shotline.story.script import Script
from shotline.timeline.timecode import frame_start

GAP = 0.35  # seconds of silence after each segment's lines (part of that segment's slot)
WORDS_PER_MINUTE = 165  # SpeechRequest's default rate: for estimates before speech exists


@dataclass(frozen=True)
class Line:
    segment: int
    text: str
    voice: str
    dialogue: bool


def script_lines(script: Script) -> list[Line]:
    lines = []
    for index, segment in enumerate(script.segments):
        if segment.narration:
            lines.append(Line(index, segment.narration, script.narrator_voice, False))
        for spoken in segment.dialogue:
            voice = script.character(spoken.speaker).voice
            lines.append(Line(index, spoken.text, voice, True))
    return lines


def spoken_lines(script: Script) -> list[SpokenLine]:
    """What is said, in ``script_lines`` order, as subtitles show it (with each speaker)."""
    out = []
    for segment in script.segments:
        if segment.narration:
            out.append(SpokenLine(segment.narration))
        for spoken in segment.dialogue:
            out.append(SpokenLine(spoken.text, script.character(spoken.speaker).name))
    return out


def _speech_plans(film: FilmContext, lines: list[Line]) -> list[Plan]:
    return film.gen.plan([
        Ask("speech", f"segment {line.segment + 1}: {line.text[:24]}",
            SpeechRequest(line.text, voice=line.voice))
        for line in lines
    ])  # fmt: skip


def phase3_estimate(film: FilmContext, script: Script) -> Estimate:
    """Phase 3 priced before any of it runs (speech lengths guessed from the text), for a
    person to confirm before the run continues; nothing is submitted."""
    lines = script_lines(script)
    return _guess(film, script, lines, estimate("speech", _speech_plans(film, lines)))


def render(film: FilmContext, script: Script, keyframes: list[Path]) -> None:
    gen, progress = film.gen, film.progress
    lines = script_lines(script)
    speech = _speech_plans(film, lines)
    speech_cost = estimate("speech", speech)
    if speech_cost.cost > 0 and not _approved(film, _guess(film, script, lines, speech_cost)):
        return
    track = _narration(film, script, lines, speech)
    videos = _video_plans(film, script, keyframes, track)
    phase = estimate("Phase 3 (video and lip sync)", videos, _lipsync_guess(film, track, videos))
    if not _approved(film, phase):
        return
    _check_credits(film, videos)
    clips = require(gen.run(videos, "video segments", progress.step))
    outcomes = _lipsync(film, track, clips)
    _assemble(film, script, keyframes, track, clips, outcomes)


# -- money ---------------------------------------------------------------------------------------


def _approved(film: FilmContext, cost: Estimate) -> bool:
    """Phase 3 may pay ``cost``: it is free, within ``--budget``, already approved, or the user
    says yes now. Otherwise the run waits (``awaiting_approval``)."""
    film.progress.note(cost.describe())
    if cost.cost == 0:
        return True
    if film.options.budget is not None:
        check_budget(film.options.budget, film.spent, cost)
        return True
    if film.state.approved is not None and cost.cost <= film.state.approved:
        return True
    if film.options.yolo:
        raise BudgetExceeded(
            f"{cost.describe()}: YOLO mode spends money only within a --budget; nothing was paid"
        )
    if film.approve is not None and film.approve(cost):
        film.state.approved = cost.cost
        film.run.save(film.state)
        return True
    film.state.phase = Phase.AWAITING_APPROVAL
    film.state.message = (
        f"{cost.describe()}: approve with shotline film resume {film.run.id} --yes "
        "(or give --budget)"
    )
    return False


def _check_credits(film: FilmContext, videos: list[Plan]) -> None:
    """Paid video reserves frame credits; fail before the first submission, not halfway."""
    need = sum(credit_frames(p.conformed, p.estimate) for p in videos
               if p.conformed is not None and not p.cached)  # fmt: skip
    if need == 0:
        return
    left = film.engine.credits_left(film.options.user)
    if need > left:
        raise BudgetExceeded(
            f"the videos need {need} frames of credits and {film.options.user} has {left} left "
            "today (SHOTLINE_DAILY_FRAMES): nothing was submitted"
        )


def _guess(film: FilmContext, script: Script, lines: list[Line], speech: Estimate) -> Estimate:
    """Phase 3 priced before any speech exists: slot lengths from word counts."""
    words = [0] * len(script.segments)
    for line in lines:
        words[line.segment] += len(re.findall(r"\S+", line.text))
    provider = film.gen.candidates(Kind.VIDEO)[0]
    info = film.engine.provider_info(provider)
    width, height = film.size
    video = Decimal(0)
    for count in words:
        seconds = count * 60 / WORDS_PER_MINUTE + GAP
        frames = generation_length(seconds, film.fps, info.capabilities).frames
        request = VideoRequest("", frames=frames, fps=film.fps, width=width, height=height)
        video += known_cost(info.pricing, request, info.id)
    return Estimate("Phase 3 (speech, video and lip sync)", speech.cost + video,
                    speech.generate + len(words), speech.cached, approximate=True)  # fmt: skip


def _lipsync_guess(film: FilmContext, track: NarrationTrack, videos: list[Plan]) -> Decimal:
    """Lip sync's price, before the clips it syncs exist (its cache keys hash them)."""
    try:
        provider = film.gen.candidates(Kind.LIPSYNC)[0]
    except LookupError:
        return Decimal(0)
    pricing = film.engine.provider_info(provider).pricing
    placeholder = Path("clip")
    return sum(
        (known_cost(pricing, LipsyncRequest(placeholder, placeholder, float(slot.duration)))
         for slot, plan in zip(track.segments, videos, strict=True)
         if slot.is_dialogue and not plan.cached),
        Decimal(0),
    )  # fmt: skip


# -- sound ---------------------------------------------------------------------------------------


def _narration(
    film: FilmContext, script: Script, lines: list[Line], speech: list[Plan]
) -> NarrationTrack:
    outcomes = film.gen.run(speech, "speech", film.progress.step)
    paths = require(outcomes)
    parts: list[list[Path]] = [[] for _ in script.segments]
    flags: list[list[bool]] = [[] for _ in script.segments]
    for line, path in zip(lines, paths, strict=True):
        parts[line.segment].append(path)
        flags[line.segment].append(line.dialogue)
    wav, timing = film.run.path("audio", "narration.wav"), film.run.path("audio", "narration.json")
    # The master is a function of the line assets and the layout: same inputs, same track.
    # layout 2: the timing records every line's span (subtitles)
    key = _digest({"lines": [o.job.result_asset if o.job else None for o in outcomes],
                   "flags": flags, "gap": GAP, "layout": 2})  # fmt: skip
    if wav.is_file() and timing.is_file():
        saved = json.loads(timing.read_text())
        if saved.get("key") == key:
            return NarrationTrack.from_dict(saved)
    shared = film.pieces / "narration" / f"{key[:20]}.wav" if film.pieces else None
    if shared is not None and shared.is_file() and shared.with_suffix(".json").is_file():
        # Another run built this very master: its copy and timing, no mixing again.
        saved = json.loads(shared.with_suffix(".json").read_text())
        film.place(shared, "audio", "narration.wav")
        track = NarrationTrack.from_dict({**saved, "path": str(wav)})
    else:
        audio = [SegmentAudio(p, f) for p, f in zip(parts, flags, strict=True)]
        track = build_narration(audio, wav, gap=GAP)
        if shared is not None:
            shared.parent.mkdir(parents=True, exist_ok=True)
            copy_to(wav, shared)  # atomic: a run reading it sees it whole or not at all
            write_atomic(shared.with_suffix(".json"), json.dumps(track.to_dict()).encode())
    # Atomic: ``film resume`` trusts this file when its key matches, so it is whole or absent.
    write_atomic(timing, json.dumps({**track.to_dict(), "key": key}, indent=2).encode())
    return track


def _digest(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


# -- motion --------------------------------------------------------------------------------------


def _video_plans(
    film: FilmContext, script: Script, keyframes: list[Path], track: NarrationTrack
) -> list[Plan]:
    caps = film.gen.capabilities_of(Kind.VIDEO)
    width, height = film.size
    asks = []
    for slot in track.segments:
        # The frames the slot shows (not its duration rounded): a frame-exact provider then
        # ends its clip on keyframe i+1 in the very frame before the cut.
        shown = frame_start(slot_frames(slot, film.fps), film.fps)
        length: GenerationLength = generation_length(shown, film.fps, caps)
        if (warning := length.warning()) is not None:
            film.gen.tally.notes.append(f"segment {slot.index + 1}: {warning}")
        request = VideoRequest(
            segment_video_prompt(script, slot.index), frames=length.frames, fps=film.fps,
            width=width, height=height, first_frame=keyframes[slot.index],
            last_frame=keyframes[slot.index + 1], seed=0,
        )  # fmt: skip
        asks.append(Ask("video", f"segment {slot.index + 1}", request))
    return film.gen.plan(asks)


def _lipsync(film: FilmContext, track: NarrationTrack, clips: list[Path]) -> dict[int, Outcome]:
    """Sync every dialogue segment; failures are reported and leave the plain clip."""
    asks: list[Ask] = []
    for slot in track.segments:
        if not slot.is_dialogue:
            continue
        out = film.run.path("audio", f"lipsync-{slot.index + 1:02d}.wav")
        audio = lipsync_audio(track, slot, out)
        request = LipsyncRequest(clips[slot.index], audio, duration=float(slot.duration))
        asks.append(Ask("lipsync", f"segment {slot.index + 1}", request))
    if not asks:
        return {}
    try:
        plans = film.gen.plan(asks)
    except LookupError as exc:  # no lip-sync provider at all: plain clips
        film.gen.tally.notes.append(f"lip sync skipped: {exc}")
        return {}
    check_budget(film.options.budget, film.spent, estimate("lip sync", plans))
    outcomes = film.gen.run(plans, "lip sync", film.progress.step)
    synced: dict[int, Outcome] = {}
    failures: dict[str, list[str]] = {}  # one note per distinct reason, not one per segment
    for outcome in outcomes:
        number = outcome.ask.name.split()[-1]
        synced[int(number) - 1] = outcome
        if not outcome.ok:
            failures.setdefault(outcome.error or "failed", []).append(number)
    for reason, numbers in failures.items():
        film.gen.tally.notes.append(
            f"segment(s) {', '.join(numbers)}: no lip sync, plain clips used ({reason})"
        )
    return synced


# -- assembly ------------------------------------------------------------------------------------


def _assemble(
    film: FilmContext,
    script: Script,
    keyframes: list[Path],
    track: NarrationTrack,
    clips: list[Path],
    synced: dict[int, Outcome],
) -> None:
    run = film.run
    frames = [film.place(p, "keyframes", f"K{i:02d}.png") for i, p in enumerate(keyframes)]
    segments = []
    for index, clip in enumerate(clips):
        video = film.place(clip, "segments", f"segment-{index + 1:02d}.mp4")
        outcome = synced.get(index)
        lipsync = None
        if outcome is not None and outcome.path is not None:
            lipsync = film.place(outcome.path, "segments", f"segment-{index + 1:02d}-lipsync.mp4")
        segments.append(SegmentClip(
            index, video, lipsync, prompt=segment_video_prompt(script, index),
            lipsync_job_id=outcome.job.id if outcome and outcome.job else None,
        ))  # fmt: skip
    spoken = spoken_lines(script)
    spans = [span for slot in track.segments for span in slot.line_spans]
    subtitles = cues(spoken, spans) if len(spans) == len(spoken) else []
    outputs = {
        "film": run.path("film.mp4"),
        "subtitles": run.path("film.vtt"),
        "timeline": run.path("timeline.json"),
        "script": run.script_path,
        "storyboard": run.path("storyboard.png"),
    }
    if not subtitles:
        film.gen.tally.notes.append("subtitles: the narration has no line timing; none written")
        del outputs["subtitles"]
    key = _assembly_key(film, script, frames, track, segments, subtitles)
    fresh = film.state.assembly_key == key and all(p.is_file() for p in outputs.values())
    if fresh:
        film.gen.tally.notes.append("assembly: inputs unchanged, film kept as it was")
    else:
        film.progress.step("assembly", 0, 1)
        result = assemble(
            segments, track, outputs["film"], outputs["timeline"], size=film.size, fps=film.fps,
            title=script.title, keyframes=frames, shared_cache=film.pieces is not None,
            cache_dir=film.pieces / "segments" if film.pieces else run.path("assembly"),
            progress=lambda f: film.progress.step("assembly", round(f * 100), 100),
            subtitles=subtitles, subtitle_language=subtitle_language(spoken),
        )  # fmt: skip
        film.gen.tally.notes.extend(result.warnings)
        film.state.assembly_key = key
    sheet_key = _digest([script.title, *(sha256_file(p) for p in frames)])
    if film.state.sheet_key != sheet_key or not outputs["storyboard"].is_file():
        contact_sheet(frames, outputs["storyboard"], title=f"{script.title} - storyboard")
        film.state.sheet_key = sheet_key
    film.progress.step("assembly", 1, 1)
    if film.options.output:
        target = Path(film.options.output)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not fresh or not target.is_file() or not filecmp.cmp(outputs["film"], target):
            shutil.copyfile(outputs["film"], target)
        for suffix in (".vtt", ".srt") if subtitles else ():  # the subtitles go with the film
            shutil.copyfile(outputs["film"].with_suffix(suffix), target.with_suffix(suffix))
        outputs["output"] = target
    film.state.outputs = {name: str(path) for name, path in outputs.items()}
    film.state.phase = Phase.DONE


def _assembly_key(
    film: FilmContext,
    script: Script,
    keyframes: list[Path],
    track: NarrationTrack,
    segments: list[SegmentClip],
    subtitles: list[Cue],
) -> str:
    """Everything the assembled film depends on, hashed: equal keys, equal films."""
    files = [track.path, *keyframes, *(s.video for s in segments),
             *(s.lipsync for s in segments if s.lipsync)]  # fmt: skip
    data = {
        "files": [sha256_file(p) for p in files],
        "lipsync": [s.lipsync is not None for s in segments],
        "prompts": [s.prompt for s in segments],
        "size": film.size, "fps": str(film.fps), "title": script.title, "version": 2,
        "subtitles": [[str(c.start), str(c.end), c.text] for c in subtitles],
    }  # fmt: skip
    return _digest(data)
