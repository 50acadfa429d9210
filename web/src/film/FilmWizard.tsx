// Placeholder: replaced by the film wizard.
export function FilmWizard({ onClose }: { onClose: () => void }) {
  return (
    <div className="modal" role="dialog" aria-label="Film from an idea">
      <button onClick={onClose}>Close</button>
    </div>
  );
}
