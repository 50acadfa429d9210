// A thumbnail that plays: on hover, on keyboard focus, or with its own play button (nothing only
// on hover). Videos loop muted; a saved timeline flips through its shots' frames.
import { useEffect, useRef, useState } from "react";

type Props =
  | { kind: "video"; src: string; poster?: string | null; label: string }
  | { kind: "image"; src: string; label: string }
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
