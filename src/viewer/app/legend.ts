/**
 * The depth legend: the viridis ramp of the depth view with ticks in planes and, when the plane
 * spacing is known, micrometres from the first plane.
 */
import { viridisLut } from '../../io/colormap.js';

/**
 * Tick positions for a 0..last range: every plane for short stacks, else a round step.
 * @example legendTicks(10) // => [0, 2, 4, 6, 8, 10]
 */
export function legendTicks(last: number): number[] {
  if (last <= 0) return [0];
  const step = last <= 6 ? 1 : last <= 12 ? 2 : last <= 30 ? 5 : Math.ceil(last / 6);
  const ticks: number[] = [];
  for (let t = 0; t <= last; t += step) ticks.push(t);
  if (ticks[ticks.length - 1] !== last) ticks.push(last);
  return ticks;
}

/**
 * Draws the legend for `planeCount` planes `zStepUm` apart (undefined: spacing unknown).
 * @example drawDepthLegend(canvas, 11, 1);
 */
export function drawDepthLegend(canvas: HTMLCanvasElement, planeCount: number, zStepUm?: number): void {
  const context = canvas.getContext('2d')!;
  const { width, height } = canvas;
  context.fillStyle = '#1e2128';
  context.fillRect(0, 0, width, height);
  if (planeCount < 1) return;
  const lut = viridisLut();
  const pad = 8;
  const barWidth = width - 2 * pad;
  for (let x = 0; x < barWidth; x++) {
    const i = Math.round((x / Math.max(1, barWidth - 1)) * 255) * 4;
    context.fillStyle = `rgb(${lut[i]},${lut[i + 1]},${lut[i + 2]})`;
    context.fillRect(pad + x, 2, 1, 14);
  }
  context.fillStyle = '#e6e6e6';
  context.font = '10px system-ui, sans-serif';
  const last = planeCount - 1;
  // Two rows of labels, planes above micrometres, so neither crowds the other.
  const label = (text: string, x: number, y: number) => {
    const w = context.measureText(text).width;
    context.fillText(text, Math.min(width - w, Math.max(0, x - w / 2)), y);
  };
  for (const t of legendTicks(last)) {
    const x = pad + (last > 0 ? (t / last) * (barWidth - 1) : 0);
    context.fillRect(x, 16, 1, 3);
    label(`${t}`, x, 29);
    if (zStepUm) label(`${+(t * zStepUm).toFixed(2)}`, x, 41);
  }
  context.fillStyle = '#9aa0aa';
  context.fillText(zStepUm ? 'plane / µm from plane 0' : 'plane (µm per plane unknown)', pad, height - 3);
}
