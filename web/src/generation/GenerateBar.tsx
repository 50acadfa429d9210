// Placeholder: replaced by the Generate panel.
export function GenerateBar() {
  return <div className="placeholder">Generate</div>;
}
