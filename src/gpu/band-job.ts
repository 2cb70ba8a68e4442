/**
 * One band of one stack on the GPU: its buffers (from the pool), uploads, the passes
 * luma -> measure (+ box mean) -> depth -> smooth -> composite -> stats, and the copy of the kept rows
 * into one mappable readback buffer. Several jobs (stacks) can be encoded into one command encoder
 * and submitted together: each job owns its buffers, so their uploads cannot overwrite each other.
 */
import { FIT_EPS, MIN_SMOOTH_WEIGHT, gaussianKernel, gaussianRadius } from '../core/maths.js';
import { depthFilterSigma, histogramCoarseSize } from '../core/histogram.js';
import { PYRAMID_LEVELS, pyramidLevels, pyramidPixels } from '../core/pyramid.js';
import { PRIOR_WEIGHT, countsLength, depthFallback, edgeIterations, edgeRangeRatio, haloRadius } from '../core/edge-aware.js';
import type { BufferPool } from './buffer-pool.js';
import type { DispatchShape, KernelName } from './kernels.js';
import { KERNELS, STATS_GROUP, histogramLayers, measureKernelFor, statsGroups } from './kernels.js';
import { packParams } from './params.js';
import type { KernelPipelines } from './pipelines.js';
import { kernelPipelines } from './pipelines.js';
import type { Band } from './plan.js';
import { usesPyramid } from './plan.js';
import type { StackState } from './stack-state.js';
import type { StageTimer } from './timer.js';

/** Stages timed separately, with the CPU engine's names so the bench can put them side by side. */
export const STAGES = ['luma', 'measure', 'depth', 'smooth', 'composite', 'stats'] as const;
export type Stage = (typeof STAGES)[number];

type PipelineRole = 'luma' | 'measure' | 'boxMean' | 'depth' | 'smooth' | 'composite' | 'pyramidReduce' | 'pyramidBlend' | 'stats' | 'edgeDepth' | 'histogramDepth' | 'haloPeaks';
type RolePipelines = { kernel: KernelName; pipelines: KernelPipelines };
/** Every role's pipelines; edgeDepth / histogramDepth (and its one-plane test's haloPeaks) only when the stacks use that depth mode. */
export type JobPipelines = Record<Exclude<PipelineRole, 'edgeDepth' | 'histogramDepth' | 'haloPeaks'>, RolePipelines> & {
  edgeDepth?: RolePipelines;
  histogramDepth?: RolePipelines;
  haloPeaks?: RolePipelines;
};

/**
 * The pipelines a stack with this measure and depth mode needs (cached per device, see pipelines.ts).
 * @param shared stage windows in workgroup memory (hardware) or read storage directly (software).
 * @example const pipelines = await loadJobPipelines(device, 'lapv', true);
 */
export async function loadJobPipelines(
  device: GPUDevice,
  measure: StackState['options']['measure'],
  shared: boolean,
  depthMode: StackState['options']['depthMode'] = 'gaussian',
): Promise<JobPipelines> {
  const roles: Partial<Record<PipelineRole, KernelName>> = {
    luma: 'luma',
    measure: measureKernelFor(measure).kernel,
    boxMean: 'boxMean',
    depth: 'depth',
    smooth: 'smooth',
    composite: 'composite',
    pyramidReduce: 'pyramidReduce',
    pyramidBlend: 'pyramidBlend',
    stats: 'stats',
    ...(depthMode === 'edge-aware' ? { edgeDepth: 'edgeDepth' as const } : {}),
    ...(depthMode === 'histogram' ? { histogramDepth: 'histogramDepth' as const, haloPeaks: 'haloPeaks' as const } : {}),
  };
  const entries = await Promise.all(
    (Object.entries(roles) as [PipelineRole, KernelName][]).map(async ([role, kernel]) => [role, { kernel, pipelines: await kernelPipelines(device, kernel, shared) }] as const),
  );
  return Object.fromEntries(entries) as JobPipelines;
}

/** Bytes of GPU memory a band job holds while it runs (for batching under a memory budget). */
export function bandJobBytes(state: StackState, band: Band): number {
  const { width } = state.stack;
  const planes = state.stack.planes.length;
  const { channels } = measureKernelFor(state.options.measure);
  const n = width * band.rows;
  const kept = width * (band.keptEnd - band.keptStart);
  // planes + luma/focus + energy + box temp + 6 single-layer images (+ the edge-aware guide's 3) + readback (+ the pyramids).
  const edgeLayers = state.options.depthMode === 'edge-aware' ? 3 : 0;
  const pyramid = usesPyramid(state.options.composite) ? pyramidBytes(width, band.rows, planes) : 0;
  // The histogram's votes and rows (four bins per vec4f, coarse grid) may outgrow the two box-mean buffers they reuse.
  const histogramExtra = state.options.depthMode === 'histogram' ? 2 * Math.max(0, histogramBinBytes(width, band.rows, planes) - 4 * n * channels * planes) : 0;
  // The one-plane test's read-back and, for its peaks, their 3 layers and Z counts on the GPU.
  const halos = focusReadbackBytes(state, kept) + peaksReadbackBytes(state, kept) + (state.peaks ? 4 * (3 * n + planes) : 0);
  return 4 * n * (2 * planes + 2 * channels * planes + 6 + edgeLayers) + histogramExtra + 4 * kept * 4 + halos + pyramid;
}

/** Every plane's F, kept rows (StackState.focus: see HalosReadback). */
function focusReadbackBytes(state: StackState, kept: number): number {
  return state.focus ? 4 * kept * state.stack.planes.length : 0;
}

/** The peaks' read-back (StackState.peaks): best, F_max, F_P (kept rows each), then the Z counts. */
function peaksReadbackBytes(state: StackState, kept: number): number {
  return state.peaks ? 12 * kept + 4 * state.stack.planes.length : 0;
}

/** Bytes of each of the histogram depth's two scratch buffers: histogramLayers(Z) vec4f layers of the coarse grid. */
function histogramBinBytes(width: number, rows: number, planes: number): number {
  return 16 * histogramCoarseSize(width) * histogramCoarseSize(rows) * histogramLayers(planes);
}

/** Pixels of levels 1..L of one layer of a band's pyramid. */
function coarsePixels(width: number, rows: number): number {
  return pyramidPixels(pyramidLevels(width, rows)) - width * rows;
}

/** The `pyramid` composite's buffers: RGBA (vec4f) and weight pyramids of every plane, the reduce's rows pass, the blended pyramid. */
function pyramidBytes(width: number, rows: number, planes: number): number {
  const coarse = coarsePixels(width, rows);
  const rowPixels = ((width + 1) >> 1) * rows;
  return 20 * coarse * planes + 20 * rowPixels * planes + 16 * coarse;
}

export interface EncodedJob {
  readback: GPUBuffer;
  readbackBytes: number;
  /** Copies the mapped readback into the stack's result arrays and focus sums. */
  collect(mapped: ArrayBuffer): void;
  /** Gives every buffer back to the pool. */
  release(): void;
}

interface Binding {
  buffer: GPUBuffer;
  size: number;
  /** Bytes into the buffer where the binding starts (default 0). */
  offset?: number;
}

const align4 = (bytes: number): number => Math.ceil(bytes / 4) * 4;

/**
 * Uploads a band and encodes its passes and readback copies into `encoder` (nothing is submitted).
 * @param timer stamps each stage's pass when timestamps are available.
 * @example
 * const job = encodeBandJob(device, pool, pipelines, state, band, encoder, timer, 0);
 * device.queue.submit([encoder.finish()]);
 * await job.readback.mapAsync(GPUMapMode.READ); job.collect(job.readback.getMappedRange());
 */
export function encodeBandJob(
  device: GPUDevice,
  pool: BufferPool,
  pipelines: JobPipelines,
  state: StackState,
  band: Band,
  encoder: GPUCommandEncoder,
  timer: StageTimer | undefined,
  jobIndex: number,
): EncodedJob {
  const { stack, options } = state;
  const width = stack.width;
  const planes = stack.planes.length;
  const { channels, ownWindow } = measureKernelFor(options.measure);
  const rows = band.rows;
  const n = width * rows;
  const keptRows = band.keptEnd - band.keptStart;
  const kept = width * keptRows;
  const keptOffset = band.keptStart * width * 4;
  const lanes = statsGroups(kept) * STATS_GROUP;
  const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const acquired: GPUBuffer[] = [];
  const allocate = (role: string, bytes: number, usage: GPUBufferUsageFlags = storage): Binding => {
    const size = align4(Math.max(4, bytes));
    const buffer = pool.acquire(`focusfuse.${role}`, size, usage);
    acquired.push(buffer);
    return { buffer, size };
  };

  // Buffers. luma becomes the focus planes once the measure has read it; energy holds the box means.
  const params = allocate('params', 48, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  const rgba = allocate('planes', 4 * n * planes);
  const luma = allocate('luma-focus', 4 * n * planes);
  // The box means and the box-mean scratch; the histogram depth later keeps its bins' votes and rows
  // there (vec4f per four bins), which may need more than the measure's layers.
  const histogram = options.depthMode === 'histogram';
  const scratchBytes = Math.max(4 * n * planes * channels, histogram ? histogramBinBytes(width, rows, planes) : 0);
  const energy = allocate('energy', scratchBytes);
  const boxTemp = allocate('box-rows', scratchBytes);
  const rawDepth = allocate('raw-depth', 4 * n);
  const confidence = allocate('confidence', 4 * n);
  const sums = allocate('smooth-rows', 8 * n);
  const depth = allocate('depth', 4 * n);
  const image = allocate('image', 4 * n);
  // The depth filter's Gaussian: version 1's sigma, or the histogram's wider window on its coarse grid.
  const filterSigma = depthFilterSigma(options.depthMode, options.sigma);
  const taps = options.sigma > 0 ? gaussianKernel(filterSigma) : new Float32Array(1);
  const weights = allocate('gaussian', taps.byteLength);
  const partials = allocate('stats-partials', 4 * planes * lanes);

  const focusBytes = focusReadbackBytes(state, kept);
  const peaksBytes = peaksReadbackBytes(state, kept);
  const layout = {
    image: 0,
    depth: 4 * kept,
    rawDepth: 8 * kept,
    confidence: 12 * kept,
    focus: 16 * kept,
    peaks: 16 * kept + focusBytes,
    partials: 16 * kept + focusBytes + peaksBytes,
  };
  // The edge-aware mode's safety counts follow the partial sums (the host reports its fallback).
  const edgeAware = options.depthMode === 'edge-aware';
  const countsAt = layout.partials + partials.size;
  const readbackBytes = countsAt + (edgeAware ? 4 * countsLength(planes) : 0);
  const readback = allocate('readback', readbackBytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);

  // Uploads (queued before the submit that uses them; this job's buffers are its own).
  device.queue.writeBuffer(
    params.buffer,
    0,
    packParams({
      width,
      height: rows,
      planes,
      window: options.window,
      smooth_radius: gaussianRadius(filterSigma),
      kept_start: band.keptStart,
      kept_end: band.keptEnd,
      variance: channels === 2 && !ownWindow ? 1 : 0,
      nearest: options.composite === 'nearest' ? 1 : 0,
      tau: options.tau,
      log_eps: FIT_EPS,
      weight_floor: MIN_SMOOTH_WEIGHT,
    }),
  );
  // (Typed arrays of an ArrayBufferLike: writeBuffer's types want a plain ArrayBuffer behind them.)
  stack.planes.forEach((plane, z) =>
    device.queue.writeBuffer(rgba.buffer, 4 * n * z, plane as Uint8Array<ArrayBuffer>, band.start * width * 4, 4 * n),
  );
  device.queue.writeBuffer(weights.buffer, 0, taps as Float32Array<ArrayBuffer>);

  const rolePipelines = (role: PipelineRole): RolePipelines => {
    const entry = pipelines[role];
    if (!entry) throw new Error(`focusfuse: the ${role} pipelines were not loaded`);
    return entry;
  };
  const bindGroup = (role: PipelineRole, label: string, ...bindings: Binding[]): GPUBindGroup => {
    const { kernel, pipelines: kp } = rolePipelines(role);
    return device.createBindGroup({
      label: `${KERNELS[kernel].label}.${label}`,
      layout: kp.layout,
      entries: [params, ...bindings].map((b, binding) => ({ binding, resource: { buffer: b.buffer, offset: b.offset ?? 0, size: b.size } })),
    });
  };
  const dispatch = (pass: GPUComputePassEncoder, role: PipelineRole, entryPoint: string, group: GPUBindGroup, shape: DispatchShape): void => {
    const { kernel, pipelines: kp } = rolePipelines(role);
    pass.setPipeline(kp.pipelines[entryPoint]);
    pass.setBindGroup(0, group);
    const [x, y, z] = KERNELS[kernel].dispatch(shape, entryPoint);
    pass.dispatchWorkgroups(x, y, z);
  };
  const stage = (name: Stage, body: (pass: GPUComputePassEncoder) => void): void => {
    const pass = encoder.beginComputePass({ label: `focusfuse.${name}`, timestampWrites: timer?.pass(jobIndex, name) });
    body(pass);
    pass.end();
  };

  const planeShape = { width, height: rows, layers: planes };
  const energyShape = { width, height: rows, layers: planes * channels };
  const imageShape = { width, height: rows, layers: 1 };
  stage('luma', (pass) => dispatch(pass, 'luma', 'main', bindGroup('luma', 'main', rgba, luma), planeShape));
  stage('measure', (pass) => {
    if (ownWindow) {
      // The kernel forms F over the window itself (glv): luma -> box scratch -> energy, no box mean.
      const group = bindGroup('measure', 'main', luma, boxTemp, energy);
      for (const entryPoint of KERNELS[pipelines.measure.kernel].entryPoints) dispatch(pass, 'measure', entryPoint, group, planeShape);
      return;
    }
    dispatch(pass, 'measure', 'main', bindGroup('measure', 'main', luma, energy), planeShape);
    dispatch(pass, 'boxMean', 'horizontal', bindGroup('boxMean', 'rows', energy, boxTemp), energyShape);
    dispatch(pass, 'boxMean', 'vertical', bindGroup('boxMean', 'columns', boxTemp, energy), energyShape);
  });
  // The one-plane test's inputs of an untiled stack (halo_peaks.wgsl), from the focus planes.
  const halos = state.peaks && {
    peaks: allocate('halo-peaks', 8 * n),
    counts: allocate('halo-counts', 4 * planes),
    focusP: allocate('halo-focus-p', 4 * n),
  };
  if (halos) device.queue.writeBuffer(halos.counts.buffer, 0, new Uint32Array(planes));
  stage('depth', (pass) => {
    dispatch(pass, 'depth', 'main', bindGroup('depth', 'main', energy, luma, rawDepth, confidence), imageShape);
    if (!halos) return;
    const group = bindGroup('haloPeaks', 'main', luma, halos.peaks, halos.counts, halos.focusP);
    dispatch(pass, 'haloPeaks', 'find_peaks', group, imageShape);
    dispatch(pass, 'haloPeaks', 'majority', group, imageShape);
  });
  let counts: Binding | undefined;
  if (edgeAware) {
    counts = encodeEdgeDepth({ device, allocate, bindGroup, dispatch, stage, encoder, state, n, imageShape, buffers: { rgba, focus: luma, rawDepth, confidence, sums, depth } });
  } else if (histogram && options.sigma > 0) {
    // The bins' votes and their row-filtered sums go into the box means and their scratch, free by now.
    const group = bindGroup('histogramDepth', 'main', rawDepth, confidence, weights, boxTemp, depth, energy);
    const cellShape = { width: histogramCoarseSize(width), height: histogramCoarseSize(rows), layers: histogramLayers(planes) };
    stage('smooth', (pass) => {
      dispatch(pass, 'histogramDepth', 'vote', group, cellShape);
      dispatch(pass, 'histogramDepth', 'horizontal', group, cellShape);
      dispatch(pass, 'histogramDepth', 'vertical', group, cellShape);
      dispatch(pass, 'histogramDepth', 'resolve', group, imageShape);
    });
  } else if (options.sigma > 0) {
    const group = bindGroup('smooth', 'main', rawDepth, confidence, weights, sums, depth);
    stage('smooth', (pass) => {
      dispatch(pass, 'smooth', 'horizontal', group, imageShape);
      dispatch(pass, 'smooth', 'vertical', group, imageShape);
    });
  } else {
    encoder.copyBufferToBuffer(rawDepth.buffer, 0, depth.buffer, 0, 4 * n);
  }
  if (usesPyramid(options.composite)) {
    const selecting = options.composite === 'select';
    // One uniform per level: which level a reduce / blend dispatch writes (collapse takes level 0's).
    const coarse = coarsePixels(width, rows);
    const gauss = allocate('pyramid-colour', 16 * coarse * planes);
    const pyramidWeights = allocate('pyramid-weights', 4 * coarse * planes);
    const blended = allocate('pyramid-blended', 16 * coarse);
    const rowPixels = ((width + 1) >> 1) * rows; // the largest rows pass, level 0 -> 1
    const rowColour = allocate('pyramid-row-colour', 16 * rowPixels * planes);
    const rowWeight = allocate('pyramid-row-weight', 4 * rowPixels * planes);
    const levels = pyramidLevels(width, rows);
    // `select`'s lumas go into the box means and their scratch, free by now (each holds at least 4 bytes
    // per pixel and plane): levels 1..SELECT_LEVELS into the first, level 0 into the second.
    const levelLuma = energy;
    const planeLuma = boxTemp;
    // struct Level of pyramid_levels.wgsl: the level, then (width, height, offset of levels >= 1, 0) per level.
    const geometry = levels.flatMap((level, l) => [level.width, level.height, l === 0 ? 0 : level.offset - levels[1].offset, 0]);
    const levelParams = levels.map((_, l) => {
      const uniform = allocate(`pyramid-level-${l}`, 16 + 16 * levels.length, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
      device.queue.writeBuffer(uniform.buffer, 0, new Uint32Array([l, selecting ? 1 : 0, 0, 0, ...geometry]));
      return uniform;
    });
    const levelShape = (l: number) => ({ width: levels[l].width, height: levels[l].height, layers: 1 });
    stage('composite', (pass) => {
      for (let l = 1; l <= PYRAMID_LEVELS; l++) {
        const group = bindGroup('pyramidReduce', `level-${l}`, levelParams[l], rgba, depth, gauss, pyramidWeights, rowColour, rowWeight, levelLuma, planeLuma);
        // One invocation per pair of outputs: along x in rows, along y in columns.
        dispatch(pass, 'pyramidReduce', 'rows', group, { width: Math.ceil(levels[l].width / 2), height: levels[l - 1].height, layers: 1 });
        dispatch(pass, 'pyramidReduce', 'columns', group, { width: levels[l].width, height: Math.ceil(levels[l].height / 2), layers: 1 });
      }
      for (let l = PYRAMID_LEVELS; l >= 0; l--) {
        const group = bindGroup('pyramidBlend', `level-${l}`, levelParams[l], rgba, depth, gauss, pyramidWeights, blended, image, levelLuma, planeLuma);
        // Below the coarsest level one invocation forms a 2x2 block of the level: the next level's shape.
        dispatch(pass, 'pyramidBlend', l > 0 ? 'blend' : 'collapse', group, levelShape(l === PYRAMID_LEVELS ? l : l + 1));
      }
    });
  } else {
    stage('composite', (pass) => dispatch(pass, 'composite', 'main', bindGroup('composite', 'main', rgba, depth, image), imageShape));
  }
  stage('stats', (pass) =>
    dispatch(pass, 'stats', 'main', bindGroup('stats', 'main', luma, partials), { width, height: keptRows, layers: planes }),
  );

  // Kept rows only: the halo rows of a band are someone else's output.
  const rb = readback.buffer;
  encoder.copyBufferToBuffer(image.buffer, keptOffset, rb, layout.image, 4 * kept);
  encoder.copyBufferToBuffer(depth.buffer, keptOffset, rb, layout.depth, 4 * kept);
  encoder.copyBufferToBuffer(rawDepth.buffer, keptOffset, rb, layout.rawDepth, 4 * kept);
  encoder.copyBufferToBuffer(confidence.buffer, keptOffset, rb, layout.confidence, 4 * kept);
  if (state.focus) {
    for (let z = 0; z < planes; z++) encoder.copyBufferToBuffer(luma.buffer, 4 * n * z + keptOffset, rb, layout.focus + 4 * kept * z, 4 * kept);
  }
  if (halos) {
    encoder.copyBufferToBuffer(halos.peaks.buffer, keptOffset, rb, layout.peaks, 4 * kept);
    encoder.copyBufferToBuffer(halos.peaks.buffer, 4 * n + keptOffset, rb, layout.peaks + 4 * kept, 4 * kept);
    encoder.copyBufferToBuffer(halos.focusP.buffer, keptOffset, rb, layout.peaks + 8 * kept, 4 * kept);
    encoder.copyBufferToBuffer(halos.counts.buffer, 0, rb, layout.peaks + 12 * kept, 4 * planes);
  }
  encoder.copyBufferToBuffer(partials.buffer, 0, rb, layout.partials, partials.size);
  if (counts) encoder.copyBufferToBuffer(counts.buffer, 0, rb, countsAt, 4 * countsLength(planes));

  return {
    readback: rb,
    readbackBytes,
    collect(mapped) {
      const at = (band.start + band.keptStart) * width;
      state.image.set(new Uint8Array(mapped, layout.image, 4 * kept), 4 * at);
      state.depth.set(new Float32Array(mapped, layout.depth, kept), at);
      state.rawDepth.set(new Float32Array(mapped, layout.rawDepth, kept), at);
      state.confidence.set(new Float32Array(mapped, layout.confidence, kept), at);
      state.focus?.forEach((plane, z) => plane.set(new Float32Array(mapped, layout.focus + 4 * kept * z, kept), at));
      if (state.peaks) {
        const { best, fmax, focusP, counts } = state.peaks;
        best.set(new Float32Array(mapped, layout.peaks, kept), at);
        fmax.set(new Float32Array(mapped, layout.peaks + 4 * kept, kept), at);
        focusP.set(new Float32Array(mapped, layout.peaks + 8 * kept, kept), at);
        counts.set(new Uint32Array(mapped, layout.peaks + 12 * kept, planes));
      }
      const sums = new Float32Array(mapped, layout.partials, planes * lanes);
      for (let z = 0; z < planes; z++) {
        for (let lane = 0; lane < lanes; lane++) state.focusSums[z] += sums[z * lanes + lane];
      }
      if (edgeAware) state.depthFallback ??= depthFallback(new Uint32Array(mapped, countsAt, countsLength(planes)), planes, n);
    },
    release() {
      for (const buffer of acquired) pool.release(buffer);
    },
  };
}

/** What encodeEdgeDepth needs from encodeBandJob: its helpers and the band's buffers. */
interface EdgeDepthEncoding {
  device: GPUDevice;
  allocate: (role: string, bytes: number, usage?: GPUBufferUsageFlags) => Binding;
  bindGroup: (role: PipelineRole, label: string, ...bindings: Binding[]) => GPUBindGroup;
  dispatch: (pass: GPUComputePassEncoder, role: PipelineRole, entryPoint: string, group: GPUBindGroup, shape: DispatchShape) => void;
  stage: (name: Stage, body: (pass: GPUComputePassEncoder) => void) => void;
  encoder: GPUCommandEncoder;
  state: StackState;
  n: number;
  imageShape: DispatchShape;
  buffers: Record<'rgba' | 'focus' | 'rawDepth' | 'confidence' | 'sums' | 'depth', Binding>;
}

/** Bytes between the per-iteration `Edge` blocks: WebGPU's minUniformBufferOffsetAlignment default. */
const EDGE_SLOT_BYTES = 256;

/**
 * The `edge-aware` depth mode's passes (edge_depth.wgsl), timed as the smooth stage: summary,
 * max filter + weights, EDGE_ITERATIONS x (rows, columns) with that iteration's uniform slot, decide, resolve.
 * Returns the safety counts' buffer (for the readback).
 */
function encodeEdgeDepth(e: EdgeDepthEncoding): Binding {
  const { options, stack } = e.state;
  const planes = stack.planes.length;
  const iterations = edgeIterations(options.sigma);
  const guide = e.allocate('edge-guide', 12 * e.n);
  // The counts (read back), then the two planes the `decide` entry derives from them.
  const counts = e.allocate('edge-counts', 4 * (countsLength(planes) + 2));
  const slots = e.allocate('edge-params', EDGE_SLOT_BYTES * iterations.length, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  const data = new ArrayBuffer(slots.size);
  const view = new DataView(data);
  iterations.forEach(({ logFeedback }, i) => {
    const at = i * EDGE_SLOT_BYTES;
    view.setFloat32(at, logFeedback, true);
    view.setFloat32(at + 4, edgeRangeRatio(options.sigma), true);
    view.setUint32(at + 8, haloRadius(options.window), true);
    view.setFloat32(at + 12, PRIOR_WEIGHT, true);
  });
  e.device.queue.writeBuffer(slots.buffer, 0, data);
  e.encoder.clearBuffer(counts.buffer);
  const { rgba, focus, rawDepth, confidence, sums, depth } = e.buffers;
  const group = (i: number) =>
    e.bindGroup('edgeDepth', `iteration ${i}`, rgba, focus, rawDepth, confidence, guide, sums, depth, counts, { buffer: slots.buffer, size: 16, offset: i * EDGE_SLOT_BYTES });
  const groups = iterations.map((_, i) => group(i));
  e.stage('smooth', (pass) => {
    e.dispatch(pass, 'edgeDepth', 'summary', groups[0], e.imageShape);
    if (options.sigma > 0) {
      e.dispatch(pass, 'edgeDepth', 'row_max', groups[0], e.imageShape);
      e.dispatch(pass, 'edgeDepth', 'weigh', groups[0], e.imageShape);
      for (const g of groups) {
        e.dispatch(pass, 'edgeDepth', 'rows', g, e.imageShape);
        e.dispatch(pass, 'edgeDepth', 'columns', g, e.imageShape);
      }
    }
    e.dispatch(pass, 'edgeDepth', 'decide', groups[0], e.imageShape);
    e.dispatch(pass, 'edgeDepth', 'resolve', groups[0], e.imageShape);
  });
  return counts;
}
