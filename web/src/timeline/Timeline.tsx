// Placeholder: replaced by the The timeline panel.
export function Timeline() {
  return <div className="placeholder">The timeline</div>;
}
