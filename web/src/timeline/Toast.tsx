// The server's reason for a refused edit, shown as it is (an alert, so screen readers hear it).
import { useEffect } from "react";

export interface Notice {
  id: number;
  text: string;
}

export function Toast({ notice, onClose }: { notice: Notice | null; onClose: () => void }) {
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(onClose, 8000);
    return () => clearTimeout(timer);
  }, [notice, onClose]);
  if (!notice) return null;
  return (
    <div className="timeline-toast" role="alert" key={notice.id}>
      <span>{notice.text}</span>
      <button type="button" className="ghost" aria-label="Dismiss" onClick={onClose}>
        ✕
      </button>
    </div>
  );
}
