// The asset panel's filters as the DAM's query (GET /api/projects/{p}/assets): empty fields are
// left out so the server applies only what the person chose.
import type { Schemas } from "../api/client";

export type Asset = Schemas["AssetOut"];
export type AssetKind = Schemas["DamKind"];

export const KINDS: readonly { kind: AssetKind; label: string }[] = [
  { kind: "generated_clip", label: "Generated clips" },
  { kind: "generated_image", label: "Images" },
  { kind: "upload", label: "Uploads" },
  { kind: "film", label: "Films" },
  { kind: "timeline", label: "Saved timelines" },
  { kind: "export", label: "Exports" },
];

export interface AssetFilters {
  kinds: AssetKind[];
  owner: string;
  provider: string;
  model: string;
  text: string;
}

export const NO_FILTERS: AssetFilters = { kinds: [], owner: "", provider: "", model: "", text: "" };

export interface AssetQuery {
  kind?: AssetKind[];
  owner?: string;
  provider?: string;
  model?: string;
  q?: string;
  limit: number;
}

export function assetQuery(filters: AssetFilters, limit = 200): AssetQuery {
  const query: AssetQuery = { limit };
  if (filters.kinds.length) query.kind = [...filters.kinds];
  const owner = filters.owner.trim();
  const provider = filters.provider.trim();
  const model = filters.model.trim();
  const text = filters.text.trim();
  if (owner) query.owner = owner;
  if (provider) query.provider = provider;
  if (model) query.model = model;
  if (text) query.q = text;
  return query;
}

export function isFiltered(filters: AssetFilters): boolean {
  const query = assetQuery(filters);
  return Object.keys(query).length > 1;
}

/** The choices a filter offers: what the project's assets actually have, sorted. */
export function facets(items: readonly Asset[]): { owners: string[]; providers: string[]; models: string[] } {
  const pick = (value: (a: Asset) => string | null) =>
    [...new Set(items.map(value).filter((v): v is string => !!v))].sort((a, b) => a.localeCompare(b));
  return { owners: pick((a) => a.owner), providers: pick((a) => a.provider), models: pick((a) => a.model) };
}

/** "0:02.0", "1:05:03.5": a clip's length as an editor writes it. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "–";
  const tenths = Math.round(seconds * 10);
  const h = Math.floor(tenths / 36000);
  const m = Math.floor((tenths % 36000) / 600);
  const s = (tenths % 600) / 10;
  const sec = s.toFixed(1).padStart(4, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** "$0.09" for a cost in dollars (the server's Decimal arrives as a string). */
export function formatCost(cost: string | number | null | undefined): string | null {
  if (cost === null || cost === undefined || cost === "") return null;
  const value = Number(cost);
  if (!Number.isFinite(value)) return null;
  return value < 0.01 && value > 0 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (!bytes) return "";
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value < 10 && unit ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
