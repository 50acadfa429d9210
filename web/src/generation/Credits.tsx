// Placeholder: replaced by the Credits panel.
export function Credits() {
  return <div className="placeholder">Credits</div>;
}
