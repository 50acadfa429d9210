// Placeholder: replaced by the Activity panel.
export function Activity() {
  return <div className="placeholder">Activity</div>;
}
