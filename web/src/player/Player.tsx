// Placeholder: replaced by the The player panel.
export function Player() {
  return <div className="placeholder">The player</div>;
}
