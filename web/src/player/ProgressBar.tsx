// The progress bar: the played portion, a scrub handle (pointer or arrow keys) and the in/out
// markers with the selected range in the generation colour (red without credits).
import { useEffect, useRef, type KeyboardEvent, type PointerEvent } from "react";
import type { PlayerEngine } from "./engine";
import { timecode } from "./schedule";

interface Props {
  engine: PlayerEngine | null;
  end: number;
  playhead: number;
  inPoint: number | null;
  outPoint: number | null;
  fps: number;
  onSeek: (t: number) => void;
  onStep: (direction: 1 | -1) => void;
}

export function ProgressBar({ engine, end, playhead, inPoint, outPoint, fps, onSeek, onStep }: Props) {
  const bar = useRef<HTMLDivElement>(null);
  const played = useRef<HTMLDivElement>(null);
  const handle = useRef<HTMLDivElement>(null);
  const span = Math.max(end, inPoint ?? 0, outPoint ?? 0, 1);
  const pct = (t: number) => `${(Math.min(Math.max(t / span, 0), 1) * 100).toFixed(3)}%`;

  // Follows the engine's clock every frame (the shared playhead moves only 4 times a second).
  useEffect(() => {
    let frame = requestAnimationFrame(function follow() {
      const t = engine?.time ?? playhead;
      if (played.current) played.current.style.width = pct(t);
      if (handle.current) handle.current.style.left = pct(t);
      frame = requestAnimationFrame(follow);
    });
    return () => cancelAnimationFrame(frame);
  });

  const timeAt = (clientX: number): number => {
    const rect = bar.current?.getBoundingClientRect();
    if (!rect || rect.width <= 0) return 0;
    return Math.min(Math.max((clientX - rect.left) / rect.width, 0), 1) * span;
  };

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    event.currentTarget.setPointerCapture(event.pointerId);
    onSeek(timeAt(event.clientX));
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    if (event.currentTarget.hasPointerCapture(event.pointerId)) onSeek(timeAt(event.clientX));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const keys: Record<string, () => void> = {
      ArrowLeft: () => onStep(-1),
      ArrowRight: () => onStep(1),
      Home: () => onSeek(0),
      End: () => onSeek(end),
      PageUp: () => onSeek(Math.max(0, playhead - 1)),
      PageDown: () => onSeek(Math.min(span, playhead + 1)),
    };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    event.stopPropagation(); // the studio's own arrow keys would step a second time
    action();
  };

  const hasRange = inPoint !== null && outPoint !== null && outPoint > inPoint;
  return (
    <div
      ref={bar}
      className="progress"
      role="slider"
      tabIndex={0}
      aria-label="Progress"
      aria-valuemin={0}
      aria-valuemax={Number(span.toFixed(3))}
      aria-valuenow={Number(playhead.toFixed(3))}
      aria-valuetext={timecode(playhead, fps)}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onKeyDown={onKeyDown}
    >
      <div className="progress-track" />
      {hasRange && <div className="progress-range" style={{ left: pct(inPoint), width: pct(outPoint - inPoint) }} />}
      <div ref={played} className="progress-played" />
      {inPoint !== null && (
        <div className="progress-in" style={{ left: pct(inPoint) }} title={`In ${timecode(inPoint, fps)}`} data-testid="in-marker" />
      )}
      {outPoint !== null && (
        <div className="progress-out" style={{ left: pct(outPoint) }} title={`Out ${timecode(outPoint, fps)}`} data-testid="out-marker" />
      )}
      <div ref={handle} className="progress-handle" />
    </div>
  );
}
