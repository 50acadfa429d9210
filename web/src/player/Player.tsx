// The player: the compositor's canvas in a container that is the fullscreen element (never
// remounted, so fullscreen survives every cut), the transport buttons, frame stepping and the
// progress bar. Playing is local; the shared playhead is written four times a second and on stop.
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from "react";
import { useStudio, useTimeline, useTransport } from "../studio/context";
import { PlayerEngine } from "./engine";
import { FullscreenIcon, NextFrame, PauseIcon, PlayIcon, PrevFrame } from "./icons";
import { ProgressBar } from "./ProgressBar";
import { clipAt, fpsOf, stepFrame, timecode, timelineEnd } from "./schedule";
import "./player.css";

const WRITE_MS = 250; // the shared playhead while playing: 4 Hz is enough to follow, cheap to sync
const FOLLOW = 0.3; // seconds: a shared playhead this far from what we wrote is someone's jump

export function Player() {
  const { project, store, transport } = useStudio();
  const timeline = useTimeline();
  const { playing, rate } = useTransport();
  const container = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const videoA = useRef<HTMLVideoElement>(null);
  const videoB = useRef<HTMLVideoElement>(null);
  const sounds = useRef<HTMLDivElement>(null);
  const clock = useRef<HTMLSpanElement>(null);
  const [engine, setEngine] = useState<PlayerEngine | null>(null);
  const written = useRef<number | null>(null);
  const [fullscreen, setFullscreen] = useState(false);
  const { clips, revision, selection } = timeline;
  const end = timelineEnd(clips);

  useEffect(() => {
    if (!canvas.current || !videoA.current || !videoB.current || !sounds.current) return;
    const made = new PlayerEngine(canvas.current, [videoA.current, videoB.current], project, sounds.current);
    made.onEnd = () => transport.pause();
    // The engine owns a canvas and the media elements: it lives exactly as long as they do.
    setEngine(made);
    return () => made.destroy();
  }, [project, transport]);

  useEffect(() => engine?.setClips(clips, revision), [engine, clips, revision]);

  // Stopped, the player shows the shared playhead; playing, it jumps only when someone else moved it.
  useEffect(() => {
    if (!engine) return;
    const mine = written.current;
    if (!transport.getSnapshot().playing) engine.seek(selection.playhead);
    else if (mine === null || Math.abs(selection.playhead - mine) > FOLLOW) engine.seek(selection.playhead);
  }, [engine, selection.playhead, transport]);

  useEffect(() => {
    if (!engine) return;
    if (playing) {
      engine.play(rate);
      written.current = engine.time;
      const timer = setInterval(() => {
        written.current = engine.time;
        store.setSelection({ playhead: engine.time });
      }, WRITE_MS);
      return () => clearInterval(timer);
    }
    engine.pause();
    if (written.current !== null && written.current !== engine.time) {
      written.current = engine.time;
      store.setSelection({ playhead: engine.time });
    }
  }, [engine, playing, rate, store]);

  // The time readout follows the engine every frame without re-rendering React.
  useEffect(() => {
    if (!engine) return;
    let frame = requestAnimationFrame(function show() {
      const t = engine.time;
      if (clock.current) clock.current.textContent = timecode(t, fpsOf(clipAt(clips, t)));
      frame = requestAnimationFrame(show);
    });
    return () => cancelAnimationFrame(frame);
  }, [engine, clips]);

  useEffect(() => {
    const changed = () => setFullscreen(document.fullscreenElement === container.current);
    document.addEventListener("fullscreenchange", changed);
    return () => document.removeEventListener("fullscreenchange", changed);
  }, []);

  const seek = useCallback(
    (t: number) => {
      transport.pause();
      written.current = t;
      store.setSelection({ playhead: Math.max(0, t) });
    },
    [store, transport],
  );

  const step = useCallback(
    (direction: 1 | -1) => seek(stepFrame(clips, engine?.time ?? selection.playhead, direction)),
    [clips, engine, seek, selection.playhead],
  );

  const toggleFullscreen = useCallback(() => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void container.current?.requestFullscreen().catch(() => undefined);
  }, []);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) return;
    if (event.key === "f" || event.key === "F") {
      event.preventDefault();
      toggleFullscreen();
    }
  };

  const noPicture = !clips.some((c) => c.type === "video");
  const empty = noPicture
    ? clips.length === 0
      ? "Nothing to play yet: import a file, generate a clip or make a film."
      : "Sound only: no clip on the video tracks."
    : null;
  return (
    <div ref={container} className={fullscreen ? "player fullscreen" : "player"} role="region" aria-label="Player" onKeyDown={onKeyDown}>
      <div className="screen">
        <canvas ref={canvas} aria-label="Picture" role="img" />
        {empty && <p className="screen-empty">{empty}</p>}
        {/* The two decoders the canvas draws from: the clip showing and the next one. */}
        <video ref={videoA} className="decoder" aria-hidden="true" />
        <video ref={videoB} className="decoder" aria-hidden="true" />
        {/* The mix's <audio> elements (the engine adds and removes them; React renders none). */}
        <div ref={sounds} className="sounds" aria-hidden="true" />
      </div>
      <ProgressBar
        engine={engine}
        end={end}
        playhead={selection.playhead}
        inPoint={selection.inPoint}
        outPoint={selection.outPoint}
        fps={fpsOf(clipAt(clips, selection.playhead))}
        onSeek={seek}
        onStep={step}
      />
      <div className="transport">
        <button onClick={() => step(-1)} aria-label="Previous frame" title="Previous frame (←)">
          <PrevFrame />
        </button>
        <button className="play" onClick={() => transport.toggle()} aria-label={playing ? "Pause" : "Play"} title="Play / pause (space)">
          {playing ? <PauseIcon /> : <PlayIcon />}
        </button>
        <button onClick={() => step(1)} aria-label="Next frame" title="Next frame (→)">
          <NextFrame />
        </button>
        <span className="timecode" aria-label="Time">
          <span ref={clock}>00:00:00:00</span>
          <span className="muted"> / {timecode(end, fpsOf(null))}</span>
        </span>
        {playing && rate !== 1 && <span className="rate">{rate > 0 ? `${rate}×` : `◀ ${-rate}×`}</span>}
        <span className="spacer" />
        <button onClick={toggleFullscreen} aria-label={fullscreen ? "Exit fullscreen" : "Fullscreen"} title="Fullscreen (F)">
          <FullscreenIcon exit={fullscreen} />
        </button>
      </div>
    </div>
  );
}
