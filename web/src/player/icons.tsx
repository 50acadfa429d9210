// Transport icons as inline SVG (text glyphs such as ⏮ are missing from many system fonts).
const common = { width: 18, height: 18, viewBox: "0 0 24 24", fill: "currentColor", "aria-hidden": true } as const;

export const PrevFrame = () => (
  <svg {...common}>
    <rect x="4" y="5" width="3" height="14" />
    <path d="M20 5v14L9 12z" />
  </svg>
);
export const NextFrame = () => (
  <svg {...common}>
    <rect x="17" y="5" width="3" height="14" />
    <path d="M4 5v14l11-7z" />
  </svg>
);
export const PlayIcon = () => (
  <svg {...common}>
    <path d="M7 4v16l13-8z" />
  </svg>
);
export const PauseIcon = () => (
  <svg {...common}>
    <rect x="6" y="4" width="4" height="16" />
    <rect x="14" y="4" width="4" height="16" />
  </svg>
);
export const FullscreenIcon = ({ exit }: { exit: boolean }) => (
  <svg {...common} fill="none" stroke="currentColor" strokeWidth="2">
    {exit ? <path d="M9 4v5H4M15 4v5h5M9 20v-5H4M15 20v-5h5" /> : <path d="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5" />}
  </svg>
);
