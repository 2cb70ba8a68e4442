/**
 * A 2D view: one layer, optionally blended with an overlay, under the zoom and pan every 2D view
 * shares (the camera lives in the store, so panning one pans all). Drag pans, the wheel zooms about
 * the cursor, Shift+wheel steps the focus, a click picks the pixel whose focus curve is plotted.
 */
import type { LayerCache } from './layers.js';
import type { Camera2d, Store, ViewerState, ViewSpec } from './state.js';

/** Zoom limits relative to one image pixel per CSS pixel. */
const MIN_SCALE = 0.05;
const MAX_SCALE = 64;
/** A press that moves less than this (CSS px) is a click, not a pan. */
const CLICK_SLOP = 4;

/**
 * The camera that fits a width x height image in a box, centred.
 * @example fitCamera(384, 384, 600, 400) // => { scale: 1.04, x: 100, y: 0, fitted: true }
 */
export function fitCamera(width: number, height: number, boxWidth: number, boxHeight: number): Camera2d {
  const scale = Math.min(boxWidth / width, boxHeight / height) || 1;
  return { scale, x: (boxWidth - width * scale) / 2, y: (boxHeight - height * scale) / 2, fitted: true };
}

/** A box's size in CSS pixels. */
export interface BoxSize {
  width: number;
  height: number;
}

/**
 * The camera after the views' box changed from `before` to `after` (a window resize): refitted where
 * the image was shown as fitted into `before` (as opened, not zoomed or panned since), else the same
 * scale with what was at the box's centre kept there.
 * @example resizeCamera(fitCamera(384, 384, 1400, 900), 384, 384, { width: 1400, height: 900 }, { width: 900, height: 650 }) // => fitCamera(384, 384, 900, 650)
 */
export function resizeCamera(camera: Camera2d, width: number, height: number, before: BoxSize, after: BoxSize): Camera2d {
  const fit = fitCamera(width, height, before.width, before.height);
  const near = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
  if (near(camera.scale, fit.scale) && near(camera.x, fit.x) && near(camera.y, fit.y)) return fitCamera(width, height, after.width, after.height);
  return { ...camera, x: camera.x + (after.width - before.width) / 2, y: camera.y + (after.height - before.height) / 2 };
}

/** Matches the canvas's backing store to its CSS size times the device pixel ratio. */
function fitBackingStore(canvas: HTMLCanvasElement): number {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  if (canvas.width !== width || canvas.height !== height) [canvas.width, canvas.height] = [width, height];
  return ratio;
}

/**
 * Draws a view's layers under the camera, and the probe's crosshair.
 * @example drawView2d(canvas, state, state.views[0], layers);
 */
export function drawView2d(canvas: HTMLCanvasElement, state: ViewerState, view: ViewSpec, layers: LayerCache): void {
  const ratio = fitBackingStore(canvas);
  const context = canvas.getContext('2d')!;
  context.setTransform(1, 0, 0, 1, 0, 0);
  context.fillStyle = '#000';
  context.fillRect(0, 0, canvas.width, canvas.height);
  if (view.layer === 'relief') return;
  const { scale, x, y } = state.camera;
  context.setTransform(ratio * scale, 0, 0, ratio * scale, ratio * x, ratio * y);
  // Zoomed in, show the pixels as squares: a cytologist wants to see what the data is, not a blur.
  context.imageSmoothingEnabled = scale < 2;
  const base = layers.get(view.layer, state.plane);
  if (base) context.drawImage(base, 0, 0);
  const overlay = view.overlay === 'none' ? undefined : layers.get(view.overlay, state.plane);
  if (overlay && view.opacity > 0) {
    context.globalAlpha = view.opacity;
    context.drawImage(overlay, 0, 0);
    context.globalAlpha = 1;
  }
  if (state.probe) {
    context.strokeStyle = '#ff4081';
    context.lineWidth = 1.5 / scale;
    const r = 6 / scale;
    const cx = state.probe.x + 0.5;
    const cy = state.probe.y + 0.5;
    context.beginPath();
    context.moveTo(cx - r, cy);
    context.lineTo(cx + r, cy);
    context.moveTo(cx, cy - r);
    context.lineTo(cx, cy + r);
    context.stroke();
  }
}

/**
 * Wires pan, zoom, plane stepping and pixel picking on a 2D view's canvas.
 * @example attachView2dInput(canvas, store, (delta) => stepPlane(delta));
 */
export function attachView2dInput(canvas: HTMLCanvasElement, store: Store, stepPlane: (delta: number) => void): void {
  let press: { x: number; y: number; camera: Camera2d; moved: boolean } | undefined;
  canvas.addEventListener('pointerdown', (event) => {
    canvas.setPointerCapture(event.pointerId);
    press = { x: event.clientX, y: event.clientY, camera: store.get().camera, moved: false };
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!press) return;
    const dx = event.clientX - press.x;
    const dy = event.clientY - press.y;
    if (!press.moved && Math.hypot(dx, dy) < CLICK_SLOP) return;
    press.moved = true;
    store.update({ camera: { ...press.camera, x: press.camera.x + dx, y: press.camera.y + dy } });
  });
  canvas.addEventListener('pointerup', (event) => {
    if (press && !press.moved) pick(event);
    press = undefined;
  });
  canvas.addEventListener('pointercancel', () => (press = undefined));
  canvas.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      if (event.shiftKey) return stepPlane(Math.sign(event.deltaY || event.deltaX));
      const { camera } = store.get();
      const rect = canvas.getBoundingClientRect();
      const px = event.clientX - rect.left;
      const py = event.clientY - rect.top;
      const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, camera.scale * Math.exp(-event.deltaY * 0.0015)));
      // Keep the image point under the cursor where it is.
      const k = scale / camera.scale;
      store.update({ camera: { ...camera, scale, x: px - (px - camera.x) * k, y: py - (py - camera.y) * k } });
    },
    { passive: false },
  );

  function pick(event: PointerEvent): void {
    const { camera, stack, result } = store.get();
    // A written result has no stack: its maps give the size.
    const image = stack ?? result;
    if (!image) return;
    const rect = canvas.getBoundingClientRect();
    const x = Math.floor((event.clientX - rect.left - camera.x) / camera.scale);
    const y = Math.floor((event.clientY - rect.top - camera.y) / camera.scale);
    if (x >= 0 && y >= 0 && x < image.width && y < image.height) store.update({ probe: { x, y } });
  }
}
