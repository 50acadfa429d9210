// The server's reasons name clips by id ("clip 'clip-local-b4…' would overlap clip 'gen-1' on
// track V1"); people know clips by name. Quoted ids of clips on the timeline become their names;
// the rest of the sentence stays the server's.
import type { Clip } from "../store/types";

export function withClipNames(reason: string, byId: ReadonlyMap<string, Pick<Clip, "name">>): string {
  return reason.replace(/'([^'\s]+)'/g, (quoted, id: string) => {
    const clip = byId.get(id);
    return clip ? `“${clip.name}”` : quoted;
  });
}
