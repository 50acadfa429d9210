// Sign-in, project choice, then the studio for one project. The project lives in the URL
// (/projects/{id}) so a reload comes back to the same place.
import { useCallback, useEffect, useState } from "react";
import { api, call } from "./api/client";
import { Login } from "./studio/Login";
import { Projects } from "./studio/Projects";
import { Shell } from "./studio/Shell";
import type { User } from "./studio/context";

function projectFromUrl(): string | null {
  const match = /^\/projects\/([^/]+)/.exec(location.pathname);
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

export function App() {
  const [me, setMe] = useState<User | null | undefined>(undefined);
  const [project, setProject] = useState<string | null>(projectFromUrl);

  useEffect(() => {
    call(api.GET("/api/auth/me")).then(setMe, () => setMe(null));
    const onPop = () => setProject(projectFromUrl());
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);

  const open = useCallback((id: string | null) => {
    history.pushState(null, "", id ? `/projects/${encodeURIComponent(id)}` : "/");
    setProject(id);
  }, []);

  const logout = useCallback(async () => {
    await call(api.POST("/api/auth/logout")).catch(() => undefined);
    setMe(null);
  }, []);

  if (me === undefined) return <main className="centered muted">Loading…</main>;
  if (me === null) return <Login onLogin={setMe} />;
  if (!project) return <Projects onOpen={open} />;
  return <Shell key={project} project={project} me={me} onLeave={() => open(null)} onLogout={logout} />;
}
