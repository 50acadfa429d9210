// A thumbnail that plays: on hover, on keyboard focus, or with its own play button (nothing only
// on hover). Videos loop muted; a saved timeline flips through its shots' frames; an audio file
// shows the server's waveform and plays only from its button (sound on hover would startle).
import { useEffect, useRef, useState } from "react";
import { mediaOf, peaksPath, waveform } from "../timeline/media";

type Props =
  | { kind: "video"; src: string; poster?: string | null; label: string }
  | { kind: "image"; src: string; label: string }
  | { kind: "audio"; src: string; label: string }
  | { kind: "flipbook"; still: string | null; frames: () => Promise<string[]>; label: string };

const FLIP_MS = 600;

export function Preview(props: Props) {
  const [playing, setPlaying] = useState(false);
  const [pinned, setPinned] = useState(false); // started with the button: stays on
  const active = playing || pinned;
  const handlers = {
    onMouseEnter: () => setPlaying(true),
    onMouseLeave: () => setPlaying(false),
    onFocus: () => setPlaying(true),
    onBlur: () => setPlaying(false),
  };
  if (props.kind === "audio") return <AudioPreview src={props.src} label={props.label} />;
  if (props.kind === "image") {
    return (
      <div className="preview">
        <img src={props.src} alt={props.label} loading="lazy" />
      </div>
    );
  }
  return (
    <div className={`preview ${active ? "playing" : ""}`} {...handlers}>
      {props.kind === "video" ? <VideoLoop src={props.src} poster={props.poster ?? null} active={active} /> : <Flipbook {...props} active={active} />}
      <button
        className="play"
        aria-label={`${active ? "Stop" : "Play"} the preview of ${props.label}`}
        aria-pressed={pinned}
        onClick={() => {
          setPinned(!active);
          setPlaying(false);
        }}
      >
        {active ? "❚❚" : "▶"}
      </button>
    </div>
  );
}

function VideoLoop({ src, poster, active }: { src: string; poster: string | null; active: boolean }) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const v = video.current;
    if (!v) return;
    if (active) void v.play().catch(() => undefined);
    else v.pause();
  }, [active]);
  return <video ref={video} src={src} poster={poster ?? undefined} muted loop playsInline preload="metadata" aria-hidden="true" />;
}

function Flipbook({ still, frames, active, label }: { still: string | null; frames: () => Promise<string[]>; active: boolean; label: string }) {
  const [list, setList] = useState<string[] | null>(null);
  const [index, setIndex] = useState(0);
  useEffect(() => {
    if (!active || list) return;
    let live = true;
    frames().then(
      (found) => live && setList(found),
      () => live && setList([]),
    );
    return () => {
      live = false;
    };
  }, [active, list, frames]);
  useEffect(() => {
    if (!active || !list?.length) return;
    const timer = setInterval(() => setIndex((i) => (i + 1) % list.length), FLIP_MS);
    return () => clearInterval(timer);
  }, [active, list]);
  const src = active && list?.length ? list[index % list.length] : still;
  return src ? <img src={src} alt={`Preview of ${label}`} /> : <div className="no-preview">No preview</div>;
}

function AudioPreview({ src, label }: { src: string; label: string }) {
  const [path, setPath] = useState<string | null>(null);
  const [playing, setPlaying] = useState(false);
  const audio = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const media = mediaOf({ cloudUrl: src });
    if (!media) return;
    let live = true;
    void waveform(media).then((peaks) => live && setPath(peaksPath(peaks, 100)));
    return () => {
      live = false;
    };
  }, [src]);
  useEffect(() => {
    const a = audio.current;
    if (!a) return;
    if (playing) void a.play().catch(() => setPlaying(false));
    else a.pause();
  }, [playing]);
  return (
    <div className={`preview audio ${playing ? "playing" : ""}`}>
      {path ? (
        <svg className="asset-wave" viewBox="0 -1 100 2" preserveAspectRatio="none" role="img" aria-label={`Waveform of ${label}`}>
          <path d={path} />
        </svg>
      ) : (
        <span className="audio-glyph" role="img" aria-label={`Audio file ${label}`}>
          ♪
        </span>
      )}
      <audio ref={audio} src={src} preload="none" onEnded={() => setPlaying(false)} aria-hidden="true" />
      <button className="play" aria-label={`${playing ? "Stop" : "Play"} ${label}`} aria-pressed={playing} onClick={() => setPlaying(!playing)}>
        {playing ? "❚❚" : "▶"}
      </button>
    </div>
  );
}
