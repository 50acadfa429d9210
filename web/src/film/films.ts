// The film routes as plain functions (typed by the server's OpenAPI description); every one
// throws ApiError with the server's sentence.
import { api, call, send, type Schemas } from "../api/client";
import type { Checkpoints, Estimate, FilmRun, FilmStatus } from "./wizard";

export type NewFilm = Schemas["NewFilm"];
type Picks = Record<string, number>;

const at = (project: string, run: string) => ({ params: { path: { project, run } } });

export const films = {
  list: (project: string): Promise<FilmRun[]> => call(api.GET("/api/projects/{project}/films", { params: { path: { project } } })),
  create: (project: string, body: NewFilm): Promise<FilmRun> =>
    call(api.POST("/api/projects/{project}/films", { params: { path: { project } }, body })),
  status: (project: string, run: string): Promise<FilmStatus> => call(api.GET("/api/projects/{project}/films/{run}", at(project, run))),
  checkpoints: (project: string, run: string): Promise<Checkpoints> =>
    call(api.GET("/api/projects/{project}/films/{run}/checkpoints", at(project, run))),
  estimate: (project: string, run: string): Promise<Estimate> =>
    call(api.GET("/api/projects/{project}/films/{run}/estimate", at(project, run))),
  pick: (project: string, run: string, what: "refs" | "keyframes", choices: Picks) =>
    call(api.POST("/api/projects/{project}/films/{run}/picks", { ...at(project, run), body: { what, choices } })),
  resume: (project: string, run: string) =>
    call(api.POST("/api/projects/{project}/films/{run}/resume", { ...at(project, run), body: { yes: false, yolo: false } })),
  confirm: (project: string, run: string) => call(api.POST("/api/projects/{project}/films/{run}/confirm", { ...at(project, run), body: {} })),
  cancel: (project: string, run: string) => call(api.POST("/api/projects/{project}/films/{run}/cancel", at(project, run))),
  open: (project: string, run: string) => call(api.POST("/api/projects/{project}/films/{run}/open", at(project, run))),
  credits: () => call(api.GET("/api/credits")),
  guide: async (project: string, run: string, key: string, file: File): Promise<void> => {
    const url = `${filmUrl(project, run)}/guides/${encodeURIComponent(key)}`;
    await send("PUT", url, file, { "Content-Type": file.type || "application/octet-stream" });
  },
};

export function filmUrl(project: string, run: string): string {
  return `/api/projects/${encodeURIComponent(project)}/films/${encodeURIComponent(run)}`;
}
