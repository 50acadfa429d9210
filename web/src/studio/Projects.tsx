import { useEffect, useState, type FormEvent } from "react";
import { api, call, type Schemas } from "../api/client";

type Project = Schemas["ProjectOut"];

export function Projects({ onOpen }: { onOpen: (id: string) => void }) {
  const [projects, setProjects] = useState<Project[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [id, setId] = useState("");
  const [name, setName] = useState("");

  useEffect(() => {
    call(api.GET("/api/projects")).then(setProjects, (e: Error) => setError(e.message));
  }, []);

  async function create(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const project = await call(api.POST("/api/projects", { body: { id, name: name || id } }));
      onOpen(project.id);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <main className="centered">
      <section className="card projects">
        <h1>Projects</h1>
        {projects === null && !error && <p className="muted">Loading…</p>}
        {projects?.length === 0 && <p className="muted">No projects yet: create the first one below.</p>}
        <ul className="project-list">
          {projects?.map((p) => (
            <li key={p.id}>
              <button className="project" onClick={() => onOpen(p.id)}>
                <strong>{p.name || p.id}</strong>
                <span className="muted">
                  {p.id} · {p.members.length} member{p.members.length === 1 ? "" : "s"}
                </span>
              </button>
            </li>
          ))}
        </ul>
        <form className="row" onSubmit={create} aria-label="New project">
          <input placeholder="project-id" value={id} onChange={(e) => setId(e.target.value)} pattern="[a-z0-9_\-]+" required aria-label="Project id" />
          <input placeholder="Name" value={name} onChange={(e) => setName(e.target.value)} aria-label="Project name" />
          <button type="submit">Create</button>
        </form>
        {error && <p className="error" role="alert">{error}</p>}
      </section>
    </main>
  );
}
