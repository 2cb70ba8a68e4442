/**
 * The focus curve of one pixel: its focus measure F_z against the plane z, with the depth the
 * fusion chose marked (raw sub-plane fit and smoothed), and the plane on screen.
 */
import type { FuseResult } from '../../core/types.js';

/** One pixel's curve and depths, read out of a result fused with keepFocus. */
export interface FocusCurve {
  values: number[];
  rawDepth: number;
  depth: number;
  confidence: number;
}

/**
 * Reads pixel (x, y)'s focus curve; undefined when the result has no focus measures.
 * @example const curve = focusCurveAt(result, 10, 20); curve.values.length === result.planeCount
 */
export function focusCurveAt(result: FuseResult, x: number, y: number): FocusCurve | undefined {
  if (!result.focus) return undefined;
  const i = y * result.width + x;
  return { values: result.focus.map((plane) => plane[i]), rawDepth: result.rawDepth[i], depth: result.depth[i], confidence: result.confidence[i] };
}

/**
 * Draws the curve on a canvas: dots per plane, a line for the chosen (smoothed) depth, a dashed
 * line for the raw depth, a faint band for the plane on screen.
 * @example drawFocusCurve(canvas, focusCurveAt(result, x, y), state.plane);
 */
export function drawFocusCurve(canvas: HTMLCanvasElement, curve: FocusCurve | undefined, plane: number): void {
  const context = canvas.getContext('2d')!;
  const { width, height } = canvas;
  context.fillStyle = '#111318';
  context.fillRect(0, 0, width, height);
  if (!curve) return;
  const pad = { left: 8, right: 8, top: 8, bottom: 18 };
  const count = curve.values.length;
  const max = Math.max(...curve.values, 1e-12);
  const xOf = (z: number) => pad.left + (count > 1 ? (z / (count - 1)) * (width - pad.left - pad.right) : (width - pad.left - pad.right) / 2);
  const yOf = (f: number) => height - pad.bottom - (f / max) * (height - pad.top - pad.bottom);
  context.fillStyle = 'rgba(255,255,255,0.08)';
  context.fillRect(xOf(plane) - 3, pad.top, 6, height - pad.top - pad.bottom);
  context.strokeStyle = '#9aa0aa';
  context.lineWidth = 1;
  context.beginPath();
  curve.values.forEach((f, z) => (z === 0 ? context.moveTo(xOf(z), yOf(f)) : context.lineTo(xOf(z), yOf(f))));
  context.stroke();
  context.fillStyle = '#e6e6e6';
  curve.values.forEach((f, z) => context.fillRect(xOf(z) - 2, yOf(f) - 2, 4, 4));
  context.strokeStyle = '#ff4081';
  context.setLineDash([3, 3]);
  context.beginPath();
  context.moveTo(xOf(curve.rawDepth), pad.top);
  context.lineTo(xOf(curve.rawDepth), height - pad.bottom);
  context.stroke();
  context.setLineDash([]);
  context.lineWidth = 2;
  context.beginPath();
  context.moveTo(xOf(curve.depth), pad.top);
  context.lineTo(xOf(curve.depth), height - pad.bottom);
  context.stroke();
  context.fillStyle = '#9aa0aa';
  context.font = '10px system-ui, sans-serif';
  context.fillText('plane 0', pad.left, height - 4);
  const last = `${count - 1}`;
  context.fillText(last, width - pad.right - context.measureText(last).width, height - 4);
}
