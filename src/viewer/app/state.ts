/**
 * The viewer's state: one plain object and a list of listeners. Every control writes through
 * `update`, every view redraws from the state it is handed, so the views cannot drift apart.
 */
import { DEFAULT_OPTIONS } from '../../core/options.js';
import type { CompositeMode, DepthMode, FuseResult, Measure, OnePlane, ZStack } from '../../core/types.js';

/** What a 2D view can show: a focal plane, the fused image, the depth map, the confidence map. */
export type LayerName = 'plane' | 'fused' | 'depth' | 'confidence';
/** The right-hand view can also show the 3D relief. */
export type ViewLayer = LayerName | 'relief';

export interface ViewSpec {
  layer: ViewLayer;
  /** Drawn over the layer with `opacity`, to blend two layers. */
  overlay: LayerName | 'none';
  opacity: number;
}

/** Zoom and pan shared by the 2D views: screen = image * scale + offset (CSS pixels). */
export interface Camera2d {
  scale: number;
  x: number;
  y: number;
  /** False until the first stack is fitted into the views. */
  fitted: boolean;
}

export interface ViewerState {
  /** The planes; undefined while a written result is shown on its own (main.ts openResult). */
  stack?: ZStack;
  result?: FuseResult;
  /** The focal plane shown by `plane` layers. */
  plane: number;
  options: { measure: Measure; window: number; sigma: number; composite: CompositeMode; depthMode: DepthMode; onePlane: OnePlane };
  views: [ViewSpec, ViewSpec];
  camera: Camera2d;
  /** The clicked pixel whose focus curve is plotted. */
  probe?: { x: number; y: number };
  /** Micrometres between planes, when known. */
  zStepUm?: number;
  /** `idle` (no stack), `loading`, `fusing`, `fused` (a stack, fused here), `written` (a written result shown as written) or `error`. */
  status: 'idle' | 'loading' | 'fusing' | 'fused' | 'written' | 'error';
  error?: string;
}

export type Listener = (state: ViewerState) => void;

export interface Store {
  get(): ViewerState;
  /** Merges a patch into the state and notifies every listener once. */
  update(patch: Partial<ViewerState>): void;
  subscribe(listener: Listener): void;
}

/**
 * Creates the store with the viewer's starting state.
 * @example const store = createStore(); store.subscribe(render); store.update({ plane: 3 });
 */
export function createStore(): Store {
  let state: ViewerState = {
    plane: 0,
    options: {
      measure: DEFAULT_OPTIONS.measure,
      window: DEFAULT_OPTIONS.window,
      sigma: DEFAULT_OPTIONS.sigma,
      composite: DEFAULT_OPTIONS.composite,
      depthMode: DEFAULT_OPTIONS.depthMode,
      onePlane: DEFAULT_OPTIONS.onePlane,
    },
    views: [
      { layer: 'plane', overlay: 'none', opacity: 0.5 },
      { layer: 'fused', overlay: 'none', opacity: 0.5 },
    ],
    camera: { scale: 1, x: 0, y: 0, fitted: false },
    status: 'idle',
  };
  const listeners: Listener[] = [];
  return {
    get: () => state,
    update(patch) {
      state = { ...state, ...patch };
      for (const listener of listeners) listener(state);
    },
    subscribe(listener) {
      listeners.push(listener);
    },
  };
}

/**
 * The planes the focus slider steps through: the stack's, or a written result's plane count when
 * a result is shown without its planes.
 * @example planeCountOf(store.get()) // => 11
 */
export function planeCountOf(state: Pick<ViewerState, 'stack' | 'result'>): number {
  return state.stack?.planes.length ?? state.result?.planeCount ?? 0;
}
