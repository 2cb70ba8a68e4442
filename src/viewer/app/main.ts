/**
 * The focusfuse viewer page: opens a stack, fuses it with the library (WebGPU in the page, else
 * the CPU reference), and keeps every view in step with one state. Also the showcase of the
 * browser API: everything here goes through `fuse`, `depthToColor` and the CCCID ordering rules.
 */
import { FocusFuseError } from '../../core/errors.js';
import { countOf } from '../../core/text.js';
import type { FuseResult, ZStack } from '../../core/types.js';
import { fuse } from '../../fuse.js';
import { byId, offerPlanes, stepPlane, wireControls } from './controls.js';
import { ENGINE_CHOICES, pickEngine, type EngineChoice, type PageEngine } from './engine.js';
import { downloadResultPng } from './export.js';
import { fallbackLine } from './fallback-line.js';
import { fillMeasureSelect } from './measure-select.js';
import { createLayerCache } from './layers.js';
import { drawDepthLegend } from './legend.js';
import { fetchServed, leftOutNote, loadStackSource, noImagesError, pathOf, servedSource, sourceLabel, sourcesFromFiles, type StackSource } from './load.js';
import { drawFocusCurve, focusCurveAt } from './plot.js';
import { createStore, planeCountOf, type Camera2d, type ViewerState } from './state.js';
import { attachView2dInput, drawView2d, fitCamera, resizeCamera, type BoxSize } from './view2d.js';
import { createReliefView, type ReliefView } from './view3d.js';
import { exposeTestApi } from './test-api.js';
import { loadWrittenResult } from './written-result.js';
import type { CatalogResult } from '../stacks.js';

/** Re-fusing waits this long after the last option change, so dragging a slider fuses once. */
const REFUSE_DELAY_MS = 200;

const store = createStore();
const layers = createLayerCache();
const views2d = [byId<HTMLCanvasElement>('view-0'), byId<HTMLCanvasElement>('view-1')];
/** The views' box as the camera was last fitted or resized to: what a window resize starts from. */
let boxSize: BoxSize = { width: 0, height: 0 };

/** The camera that fits a width x height image into the views now (and the box size it fits). */
function fitIntoViews(width: number, height: number): Camera2d {
  boxSize = { width: views2d[0].clientWidth, height: views2d[0].clientHeight };
  return fitCamera(width, height, boxSize.width, boxSize.height);
}
const canvas3d = byId<HTMLCanvasElement>('view-3d');
const stackSelect = byId<HTMLSelectElement>('stack-select');
const sources = new Map<string, StackSource>();
/** Written results the server lists, by their key in the stack list (`result:<id>`). */
const writtenResults = new Map<string, CatalogResult>();
let engine: PageEngine | undefined;
/** The engine asked for: the `engine` list, first from `?engine=` (default auto). */
const askedEngine = new URLSearchParams(location.search).get('engine');
let engineChoice: EngineChoice = ENGINE_CHOICES.find((choice) => choice === askedEngine) ?? 'auto';
let relief: ReliefView | string | undefined;
/** The written result on show, if any: the badge and notice say so instead of naming the engine. */
let shownWritten: CatalogResult | undefined;
/** Bumped by every load and fusion: a late answer of an older one is dropped. */
let generation = 0;
let refuseTimer: ReturnType<typeof setTimeout> | undefined;

function messageOf(error: unknown): string {
  return error instanceof FocusFuseError || error instanceof Error ? error.message : String(error);
}

function showError(error: unknown): void {
  store.update({ status: 'error', error: messageOf(error) });
}

async function fuseCurrent(): Promise<void> {
  const { stack, options } = store.get();
  if (!stack || !engine) return;
  const mine = ++generation;
  store.update({ status: 'fusing', error: undefined });
  try {
    const t0 = performance.now();
    const result = await fuse(stack, { ...options, keepFocus: true }, engine.backend).catch(async (error: unknown) => {
      // A lost GPU device (driver reset, tab in the background too long) is not the stack's fault:
      // ask for a fresh engine once, and only then report the error.
      if (engine?.backend.name !== 'webgpu') throw error;
      await useEngine(engineChoice);
      return fuse(stack, { ...options, keepFocus: true }, engine!.backend);
    });
    if (mine !== generation) return;
    byId('timing').textContent = `fused in ${Math.round(performance.now() - t0)} ms on ${result.backend.name === 'webgpu' ? 'WebGPU' : 'the CPU'}`;
    store.update({ result, status: 'fused' });
  } catch (error) {
    if (mine === generation) showError(error);
  }
}

/** Resolves the engine for a choice and says which it is (badge, notice line). */
async function useEngine(choice: EngineChoice): Promise<void> {
  engineChoice = choice;
  engine = await pickEngine(choice);
  showEngine();
}

/**
 * The badge and notice: the engine while stacks are fused, or, while a written result is shown,
 * that result's files (nothing is fused then, whatever the engine).
 */
function showEngine(): void {
  const badge = byId('engine');
  badge.textContent = shownWritten ? 'written result (not fused here)' : (engine?.label ?? 'starting…');
  badge.title = shownWritten ? writtenNotice(shownWritten) : (engine?.notice ?? '');
  showNotice();
}

/** What the notice says while a written result is shown: which files, and that nothing is fused. */
function writtenNotice({ files }: CatalogResult): string {
  return `Showing a written result: ${files.fused}, ${files.depth} and ${files.confidence} as described by ${files.stats}; nothing is fused here (choose a stack to fuse).`;
}

function scheduleFuse(): void {
  clearTimeout(refuseTimer);
  refuseTimer = setTimeout(() => void fuseCurrent(), REFUSE_DELAY_MS);
}

async function openSource(source: StackSource): Promise<void> {
  const mine = ++generation;
  store.update({ status: 'loading', error: undefined });
  let stack: ZStack;
  try {
    stack = await loadStackSource(source, (done, total) => (byId('plane-label').textContent = `loading plane ${done} of ${total}…`));
  } catch (error) {
    if (mine === generation) showError(error);
    return;
  }
  if (mine !== generation) return;
  shownWritten = undefined;
  showEngine();
  offerPlanes(store, true);
  byId<HTMLInputElement>('zstep').value = source.zStepUm ? String(source.zStepUm) : '';
  store.update({
    stack,
    result: undefined,
    probe: undefined,
    plane: Math.floor((stack.planes.length - 1) / 2),
    zStepUm: source.zStepUm,
    camera: fitIntoViews(stack.width, stack.height),
  });
  await fuseCurrent();
}

/** Shows a written result as it was written: no planes, nothing fused here. */
async function openResult(written: CatalogResult): Promise<void> {
  const mine = ++generation;
  store.update({ status: 'loading', error: undefined });
  let result: FuseResult;
  try {
    result = await loadWrittenResult(written);
  } catch (error) {
    if (mine === generation) showError(error);
    return;
  }
  if (mine !== generation) return;
  shownWritten = written;
  showEngine();
  byId<HTMLInputElement>('zstep').value = written.zStepUm ? String(written.zStepUm) : '';
  byId('timing').textContent = `written result (fused on ${result.backend.name === 'webgpu' ? 'WebGPU' : 'the CPU'}), shown as written: the fusion options apply to stacks`;
  store.update({
    stack: undefined,
    result,
    probe: undefined,
    plane: Math.floor((result.planeCount - 1) / 2),
    zStepUm: written.zStepUm,
    camera: fitIntoViews(result.width, result.height),
    status: 'written',
  });
  // A result has no focal planes to show: not offered, the depth map in their place.
  offerPlanes(store, false);
}

function addSources(group: string, entries: Array<[string, StackSource]>): void {
  const optgroup = document.createElement('optgroup');
  optgroup.label = group;
  for (const [key, source] of entries) {
    sources.set(key, source);
    optgroup.append(new Option(sourceLabel(source), key));
  }
  if (entries.length) stackSelect.append(optgroup);
}

/** The written results, under their own heading in the stack list. */
function addResults(results: readonly CatalogResult[]): void {
  if (results.length === 0) return;
  const optgroup = document.createElement('optgroup');
  optgroup.label = 'written results (shown as written)';
  for (const written of results) {
    writtenResults.set(`result:${written.id}`, written);
    optgroup.append(new Option(`${written.name} (result, ${countOf(written.planeCount, 'plane')})`, `result:${written.id}`));
  }
  stackSelect.append(optgroup);
}

let localCount = 0;
/** What the notice line says: the engine's notice (no WebGPU) and what the last opened files left out. */
let openedNote: string | undefined;
function showNotice(): void {
  const notice = byId('notice');
  notice.textContent = [shownWritten ? writtenNotice(shownWritten) : engine?.notice, openedNote].filter(Boolean).join(' ');
  notice.hidden = notice.textContent === '';
}

async function openFiles(files: File[]): Promise<void> {
  const { sources: found, outputs } = await sourcesFromFiles(files);
  openedNote = leftOutNote(files.map(pathOf), outputs);
  showNotice();
  if (found.length === 0) return showError(noImagesError(files.length, outputs.length));
  const entries = found.map((source): [string, StackSource] => [`local:${localCount++}`, source]);
  addSources('opened here', entries);
  stackSelect.value = entries[0][0];
  void openSource(entries[0][1]);
}

// ---------------------------------------------------------------------------------------------
// Rendering: every state change redraws what depends on it.

let shownStack: ZStack | undefined;
let shownResult: FuseResult | undefined;

function render(state: ViewerState): void {
  const planeCount = planeCountOf(state);
  if (state.stack !== shownStack) {
    shownStack = state.stack;
    layers.setStack(state.stack);
  }
  byId<HTMLInputElement>('plane').max = String(Math.max(0, planeCount - 1));
  if (state.result !== shownResult) {
    shownResult = state.result;
    layers.setResult(state.result);
    if (typeof relief === 'object') relief.setResult(state.result);
  }
  const showRelief = state.views[1].layer === 'relief';
  views2d[1].hidden = showRelief;
  canvas3d.hidden = !showRelief || typeof relief !== 'object';
  const note = document.querySelector<HTMLElement>('.view3d-note')!;
  note.hidden = !showRelief || typeof relief === 'object';
  note.textContent = typeof relief === 'string' ? relief : '';
  views2d.forEach((canvas, i) => drawView2d(canvas, state, state.views[i], layers));
  if (typeof relief === 'object') relief.setPlane(state.plane);
  if (showRelief && typeof relief === 'object') relief.requestDraw();

  byId<HTMLInputElement>('plane').value = String(state.plane);
  // A written result has no planes to show: the slider only moves the 3D relief's focal plane, so it
  // is enabled (and says so) while the relief is shown.
  const writtenOnly = !state.stack && state.result !== undefined;
  byId<HTMLInputElement>('plane').disabled = writtenOnly && !showRelief;
  if (state.status !== 'loading') {
    const um = state.zStepUm ? ` · ${+(state.plane * state.zStepUm).toFixed(2)} µm` : '';
    const where = `plane ${state.plane} of 0–${planeCount - 1}${um}`;
    byId('plane-label').textContent = !planeCount ? 'no stack' : !writtenOnly ? where : showRelief ? `3D relief cut at ${where} (a written result: no planes)` : 'no planes (a written result): the slider moves the 3D relief\'s focal plane';
  }
  drawDepthLegend(byId<HTMLCanvasElement>('legend'), planeCount, state.zStepUm);
  const curve = state.result && state.probe ? focusCurveAt(state.result, state.probe.x, state.probe.y) : undefined;
  drawFocusCurve(byId<HTMLCanvasElement>('plot'), curve, state.plane);
  const probed = state.result && state.probe ? state.probe.y * state.result.width + state.probe.x : undefined;
  byId('probe').textContent =
    curve && state.probe
      ? `(${state.probe.x}, ${state.probe.y}): depth ${curve.depth.toFixed(2)} (raw ${curve.rawDepth.toFixed(2)}), confidence ${curve.confidence.toFixed(2)}`
      : state.result && state.probe && probed !== undefined
        ? `(${state.probe.x}, ${state.probe.y}): depth ${state.result.depth[probed].toFixed(2)}, confidence ${state.result.confidence[probed].toFixed(2)} (a written result: no focus curve)`
        : state.result && !state.stack
          ? 'click a pixel for its depth and confidence (a written result: no focus curve)'
          : 'click a pixel for its focus curve';
  for (const id of ['export-fused', 'export-depth']) byId<HTMLButtonElement>(id).disabled = !state.result;
  // A written result has no planes: nothing for the fusion options to re-fuse.
  byId<HTMLFieldSetElement>('fusion-controls').disabled = !state.stack && state.result !== undefined;
  const fallback = byId('depth-fallback');
  fallback.hidden = !state.result?.depthFallback;
  fallback.textContent = state.result?.depthFallback ? fallbackLine(state.result.depthFallback) : '';
  fallback.title = fallback.textContent; // the whole line, where a narrow page cuts it off
  const error = byId('error');
  error.hidden = !state.error;
  error.textContent = state.error ?? '';
  document.body.dataset.status = state.status;
}

// ---------------------------------------------------------------------------------------------
// Start-up.

async function start(): Promise<void> {
  store.subscribe(render);
  fillMeasureSelect(byId<HTMLSelectElement>('measure'));
  wireControls(store, { refuse: scheduleFuse, openFiles: (files) => void openFiles(files).catch(showError) });
  views2d.forEach((canvas) => attachView2dInput(canvas, store, (delta) => stepPlane(store, delta)));
  for (const kind of ['fused', 'depth'] as const) {
    byId(`export-${kind}`).addEventListener('click', () => {
      const { result, stack } = store.get();
      // A written result has no stack; its meta names the FOV it was written for.
      if (result) void downloadResultPng(result, kind, stack?.meta?.name ?? result.meta?.name).catch(showError);
    });
  }
  stackSelect.addEventListener('change', () => {
    const source = sources.get(stackSelect.value);
    const written = writtenResults.get(stackSelect.value);
    if (source) void openSource(source);
    else if (written) void openResult(written);
  });
  window.addEventListener('resize', () => {
    const state = store.get();
    const shown = state.result ?? state.stack;
    const after = { width: views2d[0].clientWidth, height: views2d[0].clientHeight };
    if (!shown || !state.camera.fitted) return render(state);
    store.update({ camera: resizeCamera(state.camera, shown.width, shown.height, boxSize, after) });
    boxSize = after;
  });

  const choice = byId<HTMLSelectElement>('engine-choice');
  choice.replaceChildren(...ENGINE_CHOICES.map((value) => new Option(value, value, false, value === engineChoice)));
  choice.addEventListener('change', () => void useEngine(choice.value as EngineChoice).then(fuseCurrent, showError));
  await useEngine(engineChoice);
  relief = await createReliefView(canvas3d).catch((error: unknown) => `The 3D relief could not start: ${messageOf(error)}`);
  render(store.get());

  const { stacks: served, results } = await fetchServed();
  addSources('folder', served.filter((s) => s.source === 'folder').map((s) => [`served:${s.id}`, servedSource(s)]));
  addResults(results);
  addSources('samples', served.filter((s) => s.source === 'sample').map((s) => [`served:${s.id}`, servedSource(s)]));
  const wantedResult = new URLSearchParams(location.search).get('result');
  if (wantedResult !== null) {
    const written = writtenResults.get(`result:${wantedResult}`);
    if (!written) return showError(new FocusFuseError('NOT_FOUND', `no result '${wantedResult}' is served here`));
    stackSelect.value = `result:${wantedResult}`;
    return openResult(written);
  }
  const wanted = new URLSearchParams(location.search).get('stack');
  const first = wanted !== null ? `served:${wanted}` : served[0] && `served:${served[0].id}`;
  const source = first ? sources.get(first) : undefined;
  if (wanted !== null && !source) showError(new FocusFuseError('NOT_FOUND', `no stack '${wanted}' is served here`));
  if (source) {
    stackSelect.value = first!;
    await openSource(source);
  }
}

exposeTestApi(store);
start().catch(showError);
