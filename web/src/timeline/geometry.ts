// Sizes of the timeline's parts, in CSS pixels (timeline.css reads the same numbers as variables).
export const HEAD_WIDTH = 92; // track headers column
export const RULER_HEIGHT = 30;
export const ROW_HEIGHT = 48;
export const DRAG_THRESHOLD = 4; // pixels before a press becomes a drag
export const SCRUB_WRITE_MS = 50; // how often a dragged playhead is written to the shared document
