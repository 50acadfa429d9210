// Placeholder: replaced by the Assets panel.
export function AssetPanel() {
  return <div className="placeholder">Assets</div>;
}
