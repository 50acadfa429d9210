// The typed API client: paths and bodies come from the server's OpenAPI description
// (web/openapi.json -> src/api/schema.ts via `npm run gen:api`), so a drifting route fails tsc.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

const CSRF_COOKIE = "shotline_csrf";
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export function csrfToken(): string | null {
  for (const part of document.cookie.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join("="));
  }
  return null;
}

/** Double-submit CSRF: every state-changing request copies the cookie into a header. */
async function ensureCsrf(): Promise<string> {
  const token = csrfToken();
  if (token) return token;
  await fetch("/api/auth/csrf", { credentials: "same-origin" });
  return csrfToken() ?? "";
}

const csrf: Middleware = {
  async onRequest({ request }) {
    if (!SAFE.has(request.method)) request.headers.set("X-CSRF-Token", await ensureCsrf());
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });
api.use(csrf);

/** An error the server explained: `{"detail": "<one sentence>"}` and its status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function detailOf(error: unknown, status: number): string {
  if (error && typeof error === "object" && "detail" in error) {
    const detail = (error as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) return detail.map((d) => (d as { msg?: string }).msg ?? "").join("; ");
  }
  return `the server answered ${status}`;
}

/** Unwraps an openapi-fetch result: the data, or an ApiError with the server's reason. */
export async function call<T>(
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await pending.catch((failure: unknown) => {
    throw unreachable(failure);
  });
  if (!response.ok || error !== undefined) throw new ApiError(response.status, detailOf(error, response.status));
  return data as T;
}

/** A request that never got an answer (offline, server down) says so in words, not "Failed to fetch". */
function unreachable(failure: unknown): ApiError {
  if (failure instanceof DOMException && failure.name === "AbortError") throw failure;
  return new ApiError(0, "cannot reach the server: check your connection, then try again");
}

/** A raw request for what the typed client does not cover (uploads with progress, blobs). */
export async function send(method: string, url: string, body?: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
  const response = await fetch(url, {
    method,
    body: body ?? null,
    credentials: "same-origin",
    headers: SAFE.has(method) ? headers : { ...headers, "X-CSRF-Token": await ensureCsrf() },
  }).catch((failure: unknown) => {
    throw unreachable(failure);
  });
  if (!response.ok) {
    let error: unknown = null;
    try {
      error = await response.json();
    } catch {
      /* not JSON */
    }
    throw new ApiError(response.status, detailOf(error, response.status));
  }
  return response;
}
