// The frame-credits counter in the top bar. A click opens the details (remaining, the daily limit,
// a countdown to the reset); an administrator resets with a long press on the counter, or with
// the reset button in the details (the keyboard path: nothing here is only on hover or press).
import { useCallback, useEffect, useRef, useState, type PointerEvent } from "react";
import { api, call } from "../api/client";
import { useEvents, useStudio } from "../studio/context";
import type { EventRecord, Hello } from "../store/events";
import { credits, useCredits } from "./credits";
import "./generation.css";

const LONG_PRESS_MS = 700;

export function Credits() {
  const { me } = useStudio();
  const state = useCredits();
  const [open, setOpen] = useState(false);
  const [pressing, setPressing] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const press = useRef<ReturnType<typeof setTimeout> | null>(null);
  const longPressed = useRef(false);

  // A generation's status change moves credits (reserved, settled, refunded); progress does not.
  const statuses = useRef(new Map<string, string>());
  useEvents(
    useCallback((message: Hello | EventRecord) => {
      if (message.kind === "hello") return void credits.refresh();
      const event = message.event;
      if (event.type !== "job" || statuses.current.get(event.job_id) === event.status) return;
      statuses.current.set(event.job_id, event.status);
      void credits.refresh();
    }, []),
  );

  const reset = useCallback(async () => {
    try {
      const path = { name: me.name };
      credits.set(await call(api.POST("/api/credits/users/{name}/reset", { params: { path } })), null);
      setMessage("Credits reset.");
    } catch (error) {
      setMessage(error instanceof Error ? error.message : String(error));
    }
  }, [me.name]);

  const close = useCallback(() => setOpen(false), []);
  const cancelPress = () => {
    if (press.current) clearTimeout(press.current);
    press.current = null;
    setPressing(false);
  };
  const onPointerDown = (event: PointerEvent) => {
    longPressed.current = false;
    if (!me.is_admin || event.button !== 0) return;
    setPressing(true);
    press.current = setTimeout(() => {
      longPressed.current = true;
      setPressing(false);
      void reset();
    }, LONG_PRESS_MS);
  };

  const left = state.credits?.remaining;
  const label = left === undefined ? "Frame credits" : `${left} frame credits left${state.exhausted ? ": none left" : ""}`;
  return (
    <>
      <button
        className={`credits${state.exhausted ? " exhausted" : ""}${pressing ? " pressing" : ""}`}
        aria-label={label}
        title={me.is_admin ? "Frame credits (long-press to reset)" : "Frame credits"}
        onPointerDown={onPointerDown}
        onPointerUp={cancelPress}
        onPointerLeave={cancelPress}
        onContextMenu={(e) => me.is_admin && e.preventDefault()}
        onClick={() => {
          if (longPressed.current) return; // the press was a reset, not a click
          setMessage(null);
          setOpen(true);
        }}
      >
        <span className="credits-icon" aria-hidden="true">
          {pressing ? "↻" : "◆"}
        </span>
        <span className="credits-count">{left ?? "…"}</span>
        <span className="credits-unit">frames</span>
      </button>
      {open && <CreditsModal onClose={close} onReset={me.is_admin ? reset : null} message={message} />}
    </>
  );
}

function CreditsModal({ onClose, onReset, message }: { onClose: () => void; onReset: (() => Promise<void>) | null; message: string | null }) {
  const state = useCredits();
  const [now, setNow] = useState(() => Date.now());
  const close = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    close.current?.focus();
    const timer = setInterval(() => setNow(Date.now()), 1000);
    const onKey = (event: KeyboardEvent) => event.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => {
      clearInterval(timer);
      window.removeEventListener("keydown", onKey);
    };
  }, [onClose]);

  const c = state.credits;
  const left = c ? Math.max(0, c.seconds_until_reset - Math.floor((now - state.readAt) / 1000)) : 0;
  const clock = `${Math.floor(left / 3600)} h ${String(Math.floor(left / 60) % 60).padStart(2, "0")} min ${String(left % 60).padStart(2, "0")} s`;
  return (
    <div className="modal" onClick={onClose}>
      <div className="card credits-modal" role="dialog" aria-modal="true" aria-labelledby="credits-title" onClick={(e) => e.stopPropagation()}>
        <h2 id="credits-title">Frame credits</h2>
        {c ? (
          <>
            <p className={`credits-big${state.exhausted ? " exhausted" : ""}`}>
              <strong>{c.remaining}</strong> of {c.daily_limit} frames left today
            </p>
            <dl className="credits-facts">
              <dt>Used today</dt>
              <dd>{c.used - c.reserved} frames</dd>
              <dt>Held by running generations</dt>
              <dd>{c.reserved} frames</dd>
              <dt>Resets in</dt>
              <dd role="timer" aria-label="Resets in">
                {clock}
              </dd>
            </dl>
            {state.exhausted && <p className="error">No frame credits left: generations that cost money wait for the reset.</p>}
          </>
        ) : (
          <p className="muted">{state.error ?? "Loading…"}</p>
        )}
        {message && <p role="status">{message}</p>}
        <div className="row">
          {onReset && (
            <button onClick={() => void onReset()} aria-label="Reset my credits">
              ↻ Reset my credits
            </button>
          )}
          <span className="spacer" />
          <button ref={close} className="primary" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
