// Save the live timeline under a name (POST saves): the server writes the JSON and renders the
// preview from the frame under the playhead, as the player shows it.
import { useState, type FormEvent } from "react";
import { api, call } from "../api/client";
import { Dialog } from "./Dialog";

interface Props {
  project: string;
  suggested: string;
  onClose: () => void;
  onSaved: (name: string) => void;
}

export function SaveDialog({ project, suggested, onClose, onSaved }: Props) {
  const [name, setName] = useState(suggested);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const saved = await call(api.POST("/api/projects/{project}/saves", { params: { path: { project } }, body: { name: name.trim() } }));
      onSaved(saved.name);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    }
  };
  return (
    <Dialog title="Save the timeline" onClose={onClose}>
      <form className="asset-form" onSubmit={submit}>
        <label>
          Name
          <input value={name} maxLength={200} required onChange={(e) => setName(e.target.value)} />
        </label>
        <p className="muted small">Every clip, track and link is kept, with a preview of the frame under the playhead. Local files are kept as placeholders.</p>
        {error && <p className="error" role="alert">{error}</p>}
        <div className="row end">
          <button type="button" className="ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !name.trim()}>
            {busy ? "Saving…" : "Save"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
