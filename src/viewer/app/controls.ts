/**
 * The page's controls wired to the store: view layers and blending, the focus slider with keyboard
 * and wheel stepping, the fusion options, the plane spacing, and opening files by choosing or
 * dropping them. Controls only write the state; rendering reads it back (see main.ts).
 */
import { COMPOSITE_MODES, DEPTH_MODES, FUSIONS, FUSION_PRESETS, ONE_PLANE_MODES, fusionPresetOf } from '../../core/options.js';
import type { CompositeMode, DepthMode, FusionPreset, Measure, OnePlane } from '../../core/types.js';
import { filesFromDrop } from './load.js';
import { planeCountOf, type LayerName, type Store, type ViewLayer, type ViewSpec } from './state.js';

const LAYER_LABELS: Record<ViewLayer, string> = { plane: 'focal plane', fused: 'fused', depth: 'depth', confidence: 'confidence', relief: '3D relief' };

/**
 * Looks an element up by id, failing loudly if the HTML and the script disagree.
 * @example byId<HTMLInputElement>('plane').value = '3';
 */
export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`viewer page is missing #${id}`);
  return element as T;
}

function fillSelect(select: HTMLSelectElement, values: readonly string[], labels: Record<string, string>, selected: string): void {
  select.replaceChildren(...values.map((value) => new Option(labels[value] ?? value, value, false, value === selected)));
}

/**
 * Moves the focus by `delta` planes, clamped to the stack.
 * @example stepPlane(store, +1);
 */
export function stepPlane(store: Store, delta: number): void {
  const planeCount = planeCountOf(store.get());
  const { plane } = store.get();
  if (planeCount === 0 || delta === 0) return;
  const next = Math.min(planeCount - 1, Math.max(0, plane + delta));
  if (next !== plane) store.update({ plane: next });
}

/** Where offerPlanes(store, false) took the focal plane away: given back with the planes. */
const planeTakenFrom: Array<{ index: 0 | 1; key: 'layer' | 'overlay'; put: string }> = [];

/**
 * Offers the focal plane in the views' layer and overlay lists, or not (a written result has no
 * planes: a view on one would be black). Taking it away shows the depth map in its place (nothing
 * as the overlay); offering it again puts the focal plane back where it was taken from, unless the
 * user chose another layer meanwhile.
 * @example offerPlanes(store, false); // a written result is shown
 */
export function offerPlanes(store: Store, offered: boolean): void {
  const views = [...store.get().views] as [ViewSpec, ViewSpec];
  if (offered) {
    for (const { index, key, put } of planeTakenFrom.splice(0)) if (views[index][key] === put) views[index] = { ...views[index], [key]: 'plane' };
  } else {
    views.forEach((view, index) => {
      if (view.layer === 'plane') planeTakenFrom.push({ index: index as 0 | 1, key: 'layer', put: 'depth' });
      if (view.overlay === 'plane') planeTakenFrom.push({ index: index as 0 | 1, key: 'overlay', put: 'none' });
      views[index] = { ...view, layer: view.layer === 'plane' ? 'depth' : view.layer, overlay: view.overlay === 'plane' ? 'none' : view.overlay };
    });
  }
  store.update({ views });
  document.querySelectorAll<HTMLElement>('figure.view').forEach((figure) => {
    const { layer, overlay } = views[Number(figure.dataset.view) as 0 | 1];
    for (const [select, value] of [[figure.querySelector<HTMLSelectElement>('select.layer')!, layer], [figure.querySelector<HTMLSelectElement>('select.overlay')!, overlay]] as const) {
      const plane = Array.from(select.options).find((option) => option.value === 'plane');
      if (plane) plane.disabled = !offered;
      select.value = value;
    }
  });
}

/** The layer, overlay and opacity controls of each view. */
function wireViews(store: Store): void {
  document.querySelectorAll<HTMLElement>('figure.view').forEach((figure) => {
    const index = Number(figure.dataset.view) as 0 | 1;
    const spec = store.get().views[index];
    const layer = figure.querySelector<HTMLSelectElement>('select.layer')!;
    const overlay = figure.querySelector<HTMLSelectElement>('select.overlay')!;
    const opacity = figure.querySelector<HTMLInputElement>('input.opacity')!;
    const layers: ViewLayer[] = ['plane', 'fused', 'depth', 'confidence', ...(index === 1 ? (['relief'] as const) : [])];
    fillSelect(layer, layers, LAYER_LABELS, spec.layer);
    fillSelect(overlay, ['none', 'plane', 'fused', 'depth', 'confidence'], { none: 'nothing', ...LAYER_LABELS }, spec.overlay);
    opacity.value = String(spec.opacity);
    const write = (patch: Partial<ViewSpec>) => {
      const views = [...store.get().views] as [ViewSpec, ViewSpec];
      views[index] = { ...views[index], ...patch };
      store.update({ views });
    };
    layer.addEventListener('change', () => write({ layer: layer.value as ViewLayer }));
    overlay.addEventListener('change', () => write({ overlay: overlay.value as LayerName | 'none' }));
    opacity.addEventListener('input', () => write({ opacity: Number(opacity.value) }));
  });
}

/** The focus slider, arrow/page keys anywhere but in a text field, and the wheel over the slider. */
function wireFocus(store: Store): void {
  const slider = byId<HTMLInputElement>('plane');
  slider.addEventListener('input', () => store.update({ plane: Number(slider.value) }));
  slider.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      stepPlane(store, Math.sign(event.deltaY));
    },
    { passive: false },
  );
  document.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement;
    // The slider steps itself on arrow keys; selects and number fields own theirs.
    if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement) return;
    const delta = { ArrowUp: 1, ArrowRight: 1, PageUp: 1, ArrowDown: -1, ArrowLeft: -1, PageDown: -1 }[event.key];
    if (delta === undefined) return;
    event.preventDefault();
    stepPlane(store, delta);
  });
}

const PRESET_LABELS: Record<string, string> = { custom: 'custom', v1: 'v1 (version 1)', v2: 'v2 (teng, histogram, select)' };

/**
 * Preset, measure, depth mode, one plane, window, sigma and composite: written to the state;
 * `changed` re-fuses. A preset sets the four controls it covers (not one plane); the preset list
 * shows "custom" once they match no preset.
 */
function wireFusion(store: Store, changed: () => void): void {
  const preset = byId<HTMLSelectElement>('fusion');
  const measure = byId<HTMLSelectElement>('measure');
  const composite = byId<HTMLSelectElement>('composite');
  const depthMode = byId<HTMLSelectElement>('depth-mode');
  const onePlane = byId<HTMLSelectElement>('one-plane');
  const window = byId<HTMLInputElement>('window');
  const sigma = byId<HTMLInputElement>('sigma');
  const { options } = store.get();
  // Every mode the engine knows, so a new one shows up here without editing the page.
  fillSelect(composite, COMPOSITE_MODES, {}, options.composite);
  fillSelect(depthMode, DEPTH_MODES, {}, options.depthMode);
  fillSelect(onePlane, ONE_PLANE_MODES, {}, options.onePlane);
  // Only the histogram depth has the one-plane test: elsewhere the select would do nothing.
  const onePlaneApplies = () => (onePlane.disabled = depthMode.value !== 'histogram');
  onePlaneApplies();
  fillSelect(preset, ['custom', ...FUSIONS], PRESET_LABELS, fusionPresetOf(options) ?? 'custom');
  // The page's markup holds placeholders: the sliders start at the library's defaults.
  window.value = String(options.window);
  sigma.value = String(options.sigma);
  byId('window-value').textContent = window.value;
  byId('sigma-value').textContent = sigma.value;
  const write = () => {
    byId('window-value').textContent = window.value;
    byId('sigma-value').textContent = sigma.value;
    onePlaneApplies();
    const next = {
      measure: measure.value as Measure,
      composite: composite.value as CompositeMode,
      window: Number(window.value),
      sigma: Number(sigma.value),
      depthMode: depthMode.value as DepthMode,
      onePlane: onePlane.value as OnePlane,
    };
    preset.value = fusionPresetOf(next) ?? 'custom';
    store.update({ options: next });
    changed();
  };
  for (const control of [measure, composite, depthMode, onePlane, window, sigma]) control.addEventListener(control instanceof HTMLSelectElement ? 'change' : 'input', write);
  preset.addEventListener('change', () => {
    const settings = FUSION_PRESETS[preset.value as FusionPreset];
    if (!settings) return;
    measure.value = settings.measure;
    sigma.value = String(settings.sigma);
    depthMode.value = settings.depthMode;
    composite.value = settings.composite;
    write();
  });
  const zstep = byId<HTMLInputElement>('zstep');
  zstep.addEventListener('input', () => {
    const value = Number(zstep.value);
    store.update({ zStepUm: zstep.value !== '' && value > 0 ? value : undefined });
  });
}

/** File and folder pickers, and drops anywhere on the page. */
function wireOpening(open: (files: File[]) => void): void {
  for (const id of ['open-files', 'open-folder']) {
    const input = byId<HTMLInputElement>(id);
    input.addEventListener('change', () => {
      if (input.files?.length) open(Array.from(input.files));
      input.value = '';
    });
  }
  document.addEventListener('dragover', (event) => {
    event.preventDefault();
    document.body.classList.add('dragging');
  });
  document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    document.body.classList.remove('dragging');
    if (event.dataTransfer) void filesFromDrop(event.dataTransfer).then(open);
  });
}

/**
 * Wires every control.
 * @example wireControls(store, { refuse: () => scheduleFuse(), openFiles: (files) => openLocal(files) });
 */
export function wireControls(store: Store, actions: { refuse(): void; openFiles(files: File[]): void }): void {
  wireViews(store);
  wireFocus(store);
  wireFusion(store, actions.refuse);
  wireOpening(actions.openFiles);
}
