// Paints the time ruler for the visible range (a canvas: redrawn on every scroll and zoom).
import { rulerLabel, tickStep, type Viewport } from "./viewport";

export function paintRuler(canvas: HTMLCanvasElement, view: Viewport): void {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.floor(view.width));
  const height = canvas.clientHeight || 30;
  if (canvas.width !== width * ratio || canvas.height !== height * ratio) {
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    canvas.style.width = `${width}px`;
  }
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const step = tickStep(view.pps);
  const minor = step / 5;
  const first = Math.floor(view.scrollLeft / view.pps / minor) * minor;
  const last = (view.scrollLeft + width) / view.pps;
  const style = getComputedStyle(canvas);
  ctx.strokeStyle = style.getPropertyValue("--ruler-tick") || "#555";
  ctx.fillStyle = style.getPropertyValue("--ruler-text") || "#aaa";
  ctx.font = "11px system-ui, sans-serif";
  ctx.beginPath();
  for (let i = 0, t = first; t <= last + minor; t = first + ++i * minor) {
    const x = Math.round(t * view.pps - view.scrollLeft) + 0.5;
    const major = Math.abs(t / step - Math.round(t / step)) < 1e-6;
    ctx.moveTo(x, height);
    ctx.lineTo(x, major ? height - 12 : height - 5);
    if (major) ctx.fillText(rulerLabel(Math.max(0, t), step), x + 3, height - 15);
  }
  ctx.stroke();
}
