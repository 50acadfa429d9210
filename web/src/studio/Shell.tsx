// One project's studio: the live store and event stream, and the panels around the timeline.
import { useEffect, useState, type ReactNode } from "react";
import { api, call } from "../api/client";
import { AssetPanel } from "../assets/AssetPanel";
import { FilmWizard } from "../film/FilmWizard";
import { Activity } from "../generation/Activity";
import { Credits } from "../generation/Credits";
import { GenerateBar } from "../generation/GenerateBar";
import { useCredits } from "../generation/credits";
import { Player } from "../player/Player";
import { EventStream } from "../store/events";
import { TimelineStore } from "../store/timeline";
import { Timeline } from "../timeline/Timeline";
import { colourOf } from "./colour";
import { manageDialogFocus } from "./focus";
import { Transport } from "./transport";
import { StudioContext, usePresence, useTimeline, type Studio, type User } from "./context";

interface Props {
  project: string;
  me: User;
  onLeave: () => void;
  onLogout: () => void;
}

export function Shell({ project, me, onLeave, onLogout }: Props) {
  const [studio, setStudio] = useState<Studio | null>(null);
  // The film wizard keeps its run in the URL (?film=RUN): a reload reopens it on that run.
  const [filmOpen, setFilmOpen] = useState(() => new URLSearchParams(location.search).has("film"));

  useEffect(() => {
    const store = new TimelineStore(project, { name: me.name, colour: colourOf(me.name) });
    const events = new EventStream(project);
    // The store is a socket: it lives exactly as long as this effect (StrictMode mounts twice).
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setStudio({ project, me, store, events, transport: new Transport() });
    return () => {
      store.destroy();
      events.close();
    };
  }, [project, me]);

  useEffect(() => manageDialogFocus(), []);

  if (!studio) return null;
  return (
    <StudioContext.Provider value={studio}>
      <Frame>
        <header className="topbar">
          <button className="ghost" onClick={onLeave} aria-label="All projects">
            ◂ Projects
          </button>
          <ProjectTitle project={project} />
          <div className="spacer" />
          <People />
          <Credits />
          <button className="film-open" onClick={() => setFilmOpen(true)}>
            Film from an idea
          </button>
          <span className="me" aria-label={`Signed in as ${me.name}${me.is_admin ? ", administrator" : ""}`}>
            {me.name}
            {me.is_admin && <span className="muted"> · admin</span>}
          </span>
          <button className="ghost" onClick={onLogout}>
            Sign out
          </button>
        </header>
        <aside className="left">
          <AssetPanel />
        </aside>
        <section className="stage">
          <Player />
          <GenerateBar />
        </section>
        <aside className="right">
          <Activity />
        </aside>
        <section className="bottom">
          <Timeline />
        </section>
        {filmOpen && <FilmWizard onClose={() => setFilmOpen(false)} />}
      </Frame>
    </StudioContext.Provider>
  );
}

/** The layout; without credits every generation colour (var(--gen)) turns red at once. */
function Frame({ children }: { children: ReactNode }) {
  const credits = useCredits();
  return <div className={credits.exhausted ? "shell no-credits" : "shell"}>{children}</div>;
}

function ProjectTitle({ project }: { project: string }) {
  const timeline = useTimeline();
  const [name, setName] = useState(project);
  useEffect(() => {
    call(api.GET("/api/projects/{project}", { params: { path: { project } } })).then(
      (p) => setName(p.name || p.id),
      () => undefined, // the title stays the id; the panels report access errors themselves
    );
  }, [project]);
  return (
    <h1 className="project-title">
      {name}
      {!timeline.connected && <span className="offline" role="status"> · reconnecting…</span>}
    </h1>
  );
}

function People() {
  const people = usePresence();
  return (
    <ul className="people" aria-label="Who is here">
      {people.map((p) => (
        <li key={p.clientId} className="person" style={{ borderColor: p.colour }} title={p.name}>
          <span aria-hidden="true">{p.name.slice(0, 2).toUpperCase()}</span>
          <span className="sr-only">{p.name}</span>
        </li>
      ))}
    </ul>
  );
}
