/**
 * `runBatch`: every FOV of a CCCID tree, fused and written, with a manifest. Node only.
 *
 * Throughput: planes are decoded ahead (sharp's thread pool, several FOVs in flight) while the engine
 * fuses, GPU jobs carry several stacks, outputs are encoded and written while the next FOVs fuse,
 * and each plane is decoded exactly once. Robustness: a bad FOV becomes an `error` row and the run
 * goes on; a FOV counts as done only once its marker is written after all its outputs, so a killed
 * run resumes (`resume: true`) where it stopped.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { expected, FocusFuseError } from '../core/errors.js';
import { fusionName, resolveOptions } from '../core/options.js';
import type { AnyZStack, BackendName, FuseOptions, FuseResult, ResolvedOptions } from '../core/types.js';
import { orderPlanes } from '../io/cccid.js';
import { checkPngLevel, type OutputFormat } from '../io/encode.js';
import { IMAGE_EXTENSIONS, loadStack } from '../io/load-stack.js';
import { countOf } from '../core/text.js';
import { checkWritable } from '../io/atomic.js';
import { writeResult } from '../io/write-result.js';
import { autoDeclinesUnstarted, type GpuRuntimeName } from '../runtimes.js';
import { buffersOf, lendPlanes, type BufferPoolStats } from './buffer-pool.js';
import type { CpuPoolOptions } from './cpu-pool.js';
import { openBatchEngine, type BatchEngine, type BatchGpuRuntime } from './engine.js';
import { DEFAULT_OUTPUT_KINDS, donePath, fovOutputs, fovStem, type OutputKind } from './layout.js';
import { earlierRuns, errorRow, manifestDocument, okRow, writeManifest, type ManifestRow, type ManifestSettings } from './manifest.js';
import { earlierRunNote, readDoneMarker, removeStaleTempFiles, resumeRefusal, settingsFingerprint, writeDoneMarker, type SettingLabels } from './resume.js';
import { isBatchOutput, scanDataset, SYNTH_ROOT_ENTRIES, type BatchFov, type ScanProblem, type ScanResult } from './scan.js';
import { excludeGlobs, excludes, globToRegExp, matchesOnly, takeShard, type Shard } from './select.js';

export interface BatchOptions {
  /** The dataset: `<root>/<CLASS>/<subtype>/<serial>_(<cx>,<cy>,<z>).jpg`. */
  root: string;
  /** Output folder; the input tree is mirrored under it. */
  out: string;
  /** Fusion options; `backend` defaults to `auto` here. */
  fuse?: FuseOptions;
  /** GPU runtime for `webgpu`/`auto`. Default `headless`. */
  runtime?: GpuRuntimeName;
  /** `cpu`: redo on the CPU what the GPU fails on. Default `none`. */
  fallback?: 'none' | 'cpu';
  /** FOVs decoded ahead and written behind at once. Default 4. */
  concurrency?: number;
  /** Stacks per GPU job, 1..1024. Default 8. */
  gpuBatch?: number;
  /** CPU fusion worker threads, 0..1024; 0 = the main thread. Default: the core count. */
  cpuThreads?: number;
  /** zlib level 0..9 of the PNG outputs. Default 1 (PNG_COMPRESSION_LEVEL). */
  pngLevel?: number;
  /** Skip FOVs a previous run finished with the same settings. */
  resume?: boolean;
  /**
   * How messages name the settings, where the caller knows them by other names: the CLI passes its
   * flags (`{ depthMode: '--depth-mode', ... }`) so a refused `--resume` names what its user typed.
   * Default: the option keys (`depthMode`, `cpuThreads`, `out`, ...).
   */
  labels?: SettingLabels;
  /** Globs on `<CLASS>/<subtype>/<serial>_(<cx>,<cy>)`; a FOV is taken when any matches. */
  only?: readonly string[];
  /**
   * Globs of files, folders or FOV ids to leave out quietly (a `_truth/` folder, `*.txt`, thumbnails):
   * without a slash a glob matches a name at any level, with one it matches from the root.
   */
  exclude?: readonly string[];
  /** Take only this shard of the (filtered) FOV list. */
  shard?: Shard;
  /** Outputs per FOV. Default fused, depth, confidence, json. */
  outputs?: readonly OutputKind[];
  /** Format of the fused and depth-color images. Default png. */
  format?: OutputFormat;
  /** Planes every FOV must have; default the most common count in the tree. */
  planes?: number;
  /** Aborting stops taking new FOVs; finished ones are kept and the manifest written. */
  signal?: AbortSignal;
  /** Called once the FOVs to do are known, and after each FOV finishes (ok or error). */
  onProgress?(progress: BatchProgress): void;
  warn?(message: string): void;
  log?(line: string): void;
  /** Replaces openGpuRuntime (tests use a runtime that crashes on cue). */
  openRuntime?(name: GpuRuntimeName): Promise<BatchGpuRuntime>;
  /** The cpu workers' bundle and recycling budget (CpuPoolOptions): tests run workers from sources with it. */
  cpuPool?: Pick<CpuPoolOptions, 'module' | 'recycleBytes'>;
}

export interface BatchProgress {
  /** FOVs this run fuses (after resume). */
  total: number;
  done: number;
  failed: number;
  /** The FOV just finished; undefined on the first calls. */
  row?: ManifestRow;
  /**
   * Set on the call made before the engine opens, when that can take seconds (a WebGPU runtime to
   * launch, with backend auto or webgpu): what the run is doing meanwhile, for the progress output.
   */
  starting?: string;
}

export interface BatchSummary {
  /** FOVs selected (after --only and --shard), resumed ones included. */
  selected: number;
  /** Fused by this run. */
  fused: number;
  /** Done by an earlier run and kept (resume). */
  resumed: number;
  failed: number;
  /** Selected FOVs not reached because the run was stopped. */
  notReached: number;
  /** Whether the run was asked to resume (`resume: true`), whatever it found. */
  resume: boolean;
  /** The scan's problems; with `--only`, those inside the selected class and subtype folders. */
  problems: ScanProblem[];
  /** With `--only`: problems elsewhere in the tree, counted and left out of `problems` and the manifest. */
  problemsOutside: number;
  interrupted: boolean;
  /** The whole run, scan to manifest. */
  elapsedMs: number;
  /**
   * Part of elapsedMs spent opening the engine (0 when nothing was left to fuse): a WebGPU runtime
   * launched to check its adapter with backend auto takes seconds even when the CPU then fuses, so
   * the rate is reported over the rest.
   */
  engineStartMs: number;
  /** What opening the engine was (see BatchProgress.starting), when it involved a WebGPU runtime. */
  engineStart?: string;
  engine: string;
  /** The manifest files written. */
  manifest: string[];
  /** How the cpu workers recycled buffers (planes and outputs); undefined where the engine does not recycle. */
  recycled?: BufferPoolStats;
  rows: ManifestRow[];
}

interface Loaded {
  fov: BatchFov;
  stack?: AnyZStack;
  error?: string;
  ms: number;
}

/** The plane count most FOVs have (ties: the larger), the default for `planes`. */
function commonPlaneCount(fovs: readonly BatchFov[]): number | null {
  const counts = new Map<number, number>();
  for (const fov of fovs) counts.set(fov.files.length, (counts.get(fov.files.length) ?? 0) + 1);
  let best: number | null = null;
  for (const [planes, n] of counts) if (best === null || n > counts.get(best)! || (n === counts.get(best)! && planes > best)) best = planes;
  return best;
}

/**
 * What opening the engine does when it launches a WebGPU runtime (seconds: a browser or a Dawn
 * worker), for the summary; undefined for the CPU engines and where `auto` knows the answer without
 * starting the runtime (autoDeclinesUnstarted: the headless runtime).
 * `backendLabel` names the setting (the CLI: `--backend`).
 * @example engineStartText('auto', 'node') // => 'checking for a WebGPU adapter (backend auto; backend cpu skips this)'
 */
export function engineStartText(backend: BackendName, runtime: GpuRuntimeName, backendLabel = 'backend'): string | undefined {
  if (backend === 'auto') return autoDeclinesUnstarted(runtime) ? undefined : `checking for a WebGPU adapter (${backendLabel} auto; ${backendLabel} cpu skips this)`;
  if (backend === 'webgpu') return `starting the ${runtime} WebGPU runtime`;
  return undefined;
}

/** Checks z runs 0..planes-1 (orderPlanes already rejects gaps and duplicates inside). Cheap: names only. */
function checkPlaneNames(fov: BatchFov, planes: number | null): void {
  const { cccid } = orderPlanes(fov.files, 'cccid');
  const z = cccid!.z;
  if (z[0] !== 0) throw new FocusFuseError('Z_ORDER', `z starts at ${z[0]}: z=0${z[0] > 1 ? `..${z[0] - 1}` : ''} missing`, fov.id);
  if (planes !== null && z.length < planes) {
    const missing = z.length === planes - 1 ? `z=${z.length}` : `z=${z.length}..${planes - 1}`;
    throw new FocusFuseError('Z_ORDER', `${countOf(z.length, 'plane')} but the dataset's fields of view have ${planes}: ${missing} missing`, fov.id);
  }
  if (planes !== null && z.length > planes) {
    throw new FocusFuseError('Z_ORDER', `${countOf(z.length, 'plane')} but the dataset's fields of view have ${planes} (set the count with --planes)`, fov.id);
  }
}

/** An error as one manifest line, with paths relative to the dataset root. */
function reasonOf(error: unknown, root: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split(`${root}${sep}`).join('').split('\n')[0];
}

function validateInteger(name: string, value: number | undefined, fallback: number, min = 1): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min || n > 1024) expected(`an integer between ${min} and 1024`, name, n);
  return n;
}

/**
 * A root with no FOVs of its own whose subfolder is a dataset (`X/CCCID/NILM/...`, as a zip often
 * unpacks): refused with that folder named, rather than with the bare "no field of view found".
 * @throws FocusFuseError NOT_FOUND naming the subfolder to give instead.
 */
async function refuseOneLevelTooHigh(root: string, out: string): Promise<void> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const folder = join(root, entry.name);
    if (!entry.isDirectory() || entry.name.startsWith('.') || folder === out) continue;
    const below = await scanDataset(folder, { skip: [out] }).catch(() => undefined);
    if (!below || below.fovs.length === 0) continue;
    throw new FocusFuseError(
      'NOT_FOUND',
      `no field of view found (expected <CLASS>/<subtype>/<serial>_(<cx>,<cy>,<z>).jpg below it), but its folder '${entry.name}' holds ${countOf(below.fovs.length, 'field of view', 'fields of view')}: is it one level too high? Give ${folder}`,
      root,
    );
  }
}

/**
 * Refuses an output folder inside the dataset anywhere but its top level: a class or subtype folder
 * that holds fields of view (the scan leaves the output folder out, so they would go unfused, and the
 * outputs would be written among their planes), any folder below a class folder (a later run would
 * take its outputs for a subtype's stray files), and `focusfuse synth`'s ground truth. A folder
 * directly in the root is left out of this scan and known by its manifest later; so is anything
 * inside an earlier batch output.
 */
async function refuseOutInsideData(root: string, out: string, exclude: readonly string[] | undefined, given: string): Promise<void> {
  const path = relative(root, out);
  if (path.startsWith('..') || isAbsolute(path)) return;
  const [top, ...below] = path.split(sep);
  if (await isBatchOutput(join(root, top))) return;
  const pick = `pick a folder at the dataset's top level (e.g. ${join(root, 'fused')}) or outside it`;
  if (SYNTH_ROOT_ENTRIES.has(top)) throw new FocusFuseError('BAD_OPTION', `${given} is inside the dataset's ${top}, focusfuse synth's truth; ${pick}`);
  if ((await stat(out).catch(() => undefined))?.isDirectory()) {
    const inside = out + sep;
    const held = (await scanDataset(root, { exclude })).fovs.filter((fov) => fov.files.some((file) => file.startsWith(inside)));
    if (held.length > 0) {
      throw new FocusFuseError(
        'BAD_OPTION',
        `${given} lies inside the dataset and holds ${countOf(held.length, 'field of view', 'fields of view')} of it (${held[0].id}${held.length > 1 ? ', ...' : ''}): ` +
          `the FOVs there would go unfused and the outputs would be written among their planes; ${pick}`,
      );
    }
  }
  if (below.length > 0) throw new FocusFuseError('BAD_OPTION', `${given} lies inside the dataset's folder ${top}, where a later run would take its outputs for data; ${pick}`);
}

/** Images lying directly in `root` or in its class folders: a hint that batch was pointed one level too low. */
function misplacedImages(problems: readonly ScanProblem[]): string {
  const atRoot = problems.filter((p) => !p.path.includes('/') && IMAGE_EXTENSIONS.includes(extname(p.path).toLowerCase())).length;
  if (atRoot > 0) return `; it holds ${countOf(atRoot, 'image')} itself: for one stack folder use focusfuse fuse, or give batch the dataset root two levels up`;
  const inClass = problems.filter((p) => p.reason.startsWith('image directly in a class folder')).length;
  if (inClass > 0) return `; its class folders hold ${countOf(inClass, 'image')} directly: is it one level too low?`;
  return '';
}

/**
 * Splits the scan's problems into those inside the `--only` selection and the rest, so `--only HSIL`
 * does not warn about a broken link under NILM. Inside: a path the globs take (as FOV ids: a glob of
 * fewer parts takes whole folders), or one in the subtype folder of a selected FOV.
 * @example splitProblems(problems, selected, [globToRegExp('HSIL')]) // => { inside: HSIL's problems, outside: the count of the others }
 */
function splitProblems(problems: readonly ScanProblem[], selected: readonly BatchFov[], globs: readonly RegExp[]): { inside: ScanProblem[]; outside: number } {
  const subtypes = new Set(selected.map((fov) => `${fov.className}/${fov.subtype}`));
  const isInside = (path: string) => matchesOnly(path, globs) || (path.split('/').length > 2 && subtypes.has(path.split('/').slice(0, 2).join('/')));
  const inside = problems.filter((p) => isInside(p.path));
  return { inside, outside: problems.length - inside.length };
}

/**
 * The FOVs a run takes (`exclude`, then `only`, then `shard`).
 * @throws FocusFuseError when nothing is left, saying which step left nothing.
 */
function selectFovs(scan: ScanResult, options: Pick<BatchOptions, 'exclude' | 'only' | 'shard'>): BatchFov[] {
  const quote = (globs: readonly string[] = []) => globs.map((g) => `'${g}'`).join(', ');
  if (scan.fovs.length === 0) {
    const excluded = scan.excluded > 0 ? `; --exclude ${quote(options.exclude)} left out ${countOf(scan.excluded, 'file or folder', 'files and folders')}` : '';
    throw new FocusFuseError('NOT_FOUND', `no field of view found (expected <CLASS>/<subtype>/<serial>_(<cx>,<cy>,<z>).jpg below it)${excluded}${misplacedImages(scan.problems)}`, scan.root);
  }
  const excludedIds = excludeGlobs(options.exclude);
  const kept = scan.fovs.filter((fov) => !excludes(fov.id, excludedIds));
  if (kept.length === 0) throw new FocusFuseError('BAD_OPTION', `--exclude ${quote(options.exclude)} left out all ${countOf(scan.fovs.length, 'field of view', 'fields of view')}; nothing to fuse`);
  const globs = (options.only ?? []).map((glob) => globToRegExp(glob));
  const matching = kept.filter((fov) => matchesOnly(fov.id, globs));
  if (matching.length === 0) {
    throw new FocusFuseError('BAD_OPTION', `--only ${quote(options.only)} matched none of the ${countOf(kept.length, 'field of view', 'fields of view')} (ids look like '${kept[0].id}'); nothing to fuse`);
  }
  const selected = takeShard(matching, options.shard);
  if (selected.length === 0) {
    const { index, count } = options.shard!;
    throw new FocusFuseError('BAD_OPTION', `--shard ${index}/${count} is empty: only ${countOf(matching.length, 'field of view is', 'fields of view are')} selected, so use at most ${matching.length} shards`);
  }
  return selected;
}

/**
 * Fuses every FOV of a CCCID tree into `out`, writing `manifest.csv` and `manifest.json`.
 * @example
 * const summary = await runBatch({ root: '/data/CCCID', out: '/data/fused', fuse: { backend: 'cpu' }, resume: true });
 * console.log(`${summary.fused} fused, ${summary.failed} failed`);
 * @throws FocusFuseError for bad options, a missing root, a selection without any FOV, or a GPU that
 * cannot start without fallback.
 */
export async function runBatch(options: BatchOptions): Promise<BatchSummary> {
  const started = performance.now();
  const warn = options.warn ?? (() => undefined);
  const resolved = resolveOptions({ ...options.fuse, backend: options.fuse?.backend ?? 'auto' }, options.labels);
  const label = (key: keyof SettingLabels) => options.labels?.[key] ?? key;
  const concurrency = validateInteger(label('concurrency'), options.concurrency, 4);
  const cpuThreads = options.cpuThreads === undefined ? undefined : validateInteger(label('cpuThreads'), options.cpuThreads, 0, 0);
  const gpuBatch = validateInteger(label('gpuBatch'), options.gpuBatch, 8);
  const pngLevel = options.pngLevel === undefined ? undefined : checkPngLevel(options.pngLevel, label('pngLevel'));
  const root = resolve(options.root);
  const out = resolve(options.out);
  if (out === root) throw new FocusFuseError('BAD_OPTION', `${label('out')} ${options.out} is the dataset folder; pick another folder (outputs would mix with the planes)`);
  const outputs = [...(options.outputs ?? DEFAULT_OUTPUT_KINDS)];
  const format = options.format ?? 'png';

  // An unwritable --out fails now, not after the first FOVs have been fused for nothing.
  await checkWritable(join(out, 'manifest.json'));
  const scan = await scanDataset(root, { skip: [out], exclude: options.exclude });
  await refuseOutInsideData(root, out, options.exclude, `${label('out')} ${options.out}`);
  if (scan.fovs.length === 0 && scan.excluded === 0) await refuseOneLevelTooHigh(root, out);
  for (const folder of scan.earlierOutputs) warn(`left out '${folder}': an earlier batch output (it holds a focusfuse manifest), not data`);
  const planes = options.planes ?? commonPlaneCount(scan.fovs);
  const selected = selectFovs(scan, options);
  const onlyGlobs = (options.only ?? []).map((glob) => globToRegExp(glob));
  const { inside: problems, outside: problemsOutside } = onlyGlobs.length > 0 ? splitProblems(scan.problems, selected, onlyGlobs) : { inside: scan.problems, outside: 0 };
  const { measure, window, sigma, composite, tau, align, alignReference, alignCrop, alignMatchBrightness, depthMode, onePlane } = resolved;
  // depthMode only when it is not version 1's, onePlane only when it is not the default, so
  // manifests (and resume fingerprints) of earlier runs still match.
  const depth = depthMode === 'gaussian' ? {} : { depthMode };
  const plane = onePlane === 'auto' ? {} : { onePlane };
  const fusion = fusionName(resolved);
  const settings: ManifestSettings = { root, options: { fusion, measure, window, sigma, composite, tau, align, alignReference, alignCrop, alignMatchBrightness, ...depth, ...plane }, outputs, format, planes };
  const fingerprint = settingsFingerprint(settings);

  await removeStaleTempFiles(selected.map((fov) => fovStem(out, fov)));
  const rows = new Map<string, ManifestRow>();
  const previous = await Promise.all(selected.map((fov) => readDoneMarker(donePath(out, fov), fingerprint, fovOutputs(out, fov, outputs, format))));
  const other = previous.filter((p) => p.state === 'other-settings');
  if (options.resume && other.length > 0) {
    // Refused, not redone: --resume means "finish that run", and silently redoing (or mixing) it
    // with other options is never what a rerun of a changed command line wants.
    throw new FocusFuseError('BAD_OPTION', resumeRefusal(other.length, other[0].settings, fingerprint, options.labels), options.out);
  }
  if (options.resume) previous.forEach((p, i) => p.state === 'done' && rows.set(selected[i].id, p.row));
  else {
    // A plain rerun redoes every FOV: said once, since --resume may have been meant.
    const note = earlierRunNote(previous.filter((p) => p.state === 'done').length, other.length, options.out, options.labels);
    if (note) options.log?.(note);
  }
  const resumed = rows.size;
  const todo = selected.filter((fov) => !rows.has(fov.id));
  const progress: BatchProgress = { total: todo.length, done: 0, failed: 0 };
  const finish = (row: ManifestRow) => {
    rows.set(row.fov, row);
    progress.done += 1;
    if (row.status === 'error') progress.failed += 1;
    options.onProgress?.({ ...progress, row });
  };

  let engine: BatchEngine | undefined;
  let interrupted = false;
  let engineStartMs = 0;
  const engineStart = todo.length > 0 ? engineStartText(resolved.backend, options.runtime ?? 'headless', label('backend')) : undefined;
  // The first call once the engine is open, so a progress rate leaves its start out.
  if (todo.length === 0) options.onProgress?.({ ...progress });
  try {
    if (todo.length > 0) {
      const runtime = options.runtime ?? 'headless';
      if (engineStart) options.onProgress?.({ ...progress, starting: resolved.backend === 'auto' ? `${engineStart}: starting the ${runtime} runtime` : engineStart });
      const opening = performance.now();
      engine = await openBatchEngine({
        backend: resolved.backend,
        runtime: options.runtime ?? 'headless',
        fallback: options.fallback ?? 'none',
        gpuBatch,
        cpuThreads,
        warn,
        log: options.log,
        labels: options.labels,
        openRuntime: options.openRuntime,
        cpuPool: options.cpuPool,
      });
      engineStartMs = performance.now() - opening;
      options.onProgress?.({ ...progress });
      interrupted = await fuseAll(todo, engine, { root, out, resolved, outputs, format, pngLevel, planes, fingerprint, concurrency, signal: options.signal, finish });
    }
  } finally {
    await engine?.close();
  }

  const elapsedMs = performance.now() - started;
  const engineName = engine?.describe() ?? 'none (nothing to fuse)';
  const recycled = engine?.buffers?.stats();
  const finished = [...rows.values()];
  const fused = finished.length - resumed;
  const failed = finished.filter((r) => r.status === 'error').length;
  const run = {
    started: new Date(Date.now() - elapsedMs).toISOString(),
    engine: engineName,
    elapsedMs: Math.round(elapsedMs),
    fused,
    resumed,
    failed,
    interrupted,
  };
  const earlier = options.resume ? await earlierRuns(out, options.shard ?? null) : [];
  const doc = manifestDocument(settings, options.shard ?? null, finished, problems, [...earlier, run]);
  const manifest = await writeManifest(out, doc);
  return {
    selected: selected.length,
    fused: fused - failed,
    resumed,
    failed,
    notReached: selected.length - finished.length,
    resume: options.resume === true,
    problems,
    problemsOutside,
    interrupted,
    elapsedMs,
    engineStartMs,
    ...(engineStart ? { engineStart } : {}),
    engine: engineName,
    manifest,
    rows: doc.rows,
    ...(recycled ? { recycled } : {}),
  };
}

interface FuseAllContext {
  root: string;
  out: string;
  resolved: ResolvedOptions;
  outputs: OutputKind[];
  format: OutputFormat;
  pngLevel?: number;
  planes: number | null;
  fingerprint: string;
  concurrency: number;
  signal?: AbortSignal;
  finish(row: ManifestRow): void;
}

/** The pipeline: decode ahead, fuse in engine-sized batches, write behind. Resolves true when stopped early. */
async function fuseAll(todo: BatchFov[], engine: BatchEngine, ctx: FuseAllContext): Promise<boolean> {
  const loads: Promise<Loaded>[] = [];
  const ahead = ctx.concurrency * engine.batchSize;
  const writes = new Set<Promise<void>>();
  const pool = engine.buffers;
  const load = async (fov: BatchFov): Promise<Loaded> => {
    const t0 = performance.now();
    // Planes are decoded into the engine's recycled buffers where it has them.
    const loan = pool && lendPlanes(pool);
    let stack: AnyZStack | undefined;
    try {
      checkPlaneNames(fov, ctx.planes);
      // As `focusfuse fuse`: planes of different sizes are for the alignment to register.
      stack = await loadStack(fov.files, { order: 'cccid', allowMixedSizes: ctx.resolved.align !== 'none', highBitDepth: true, allocate: loan?.allocate, fuseAlone: false });
      return { fov, stack, ms: performance.now() - t0 };
    } catch (error) {
      return { fov, error: reasonOf(error, ctx.root), ms: performance.now() - t0 };
    } finally {
      // loadStack has settled every decode, whether it failed or not.
      loan?.settle(stack?.planes ?? []);
    }
  };
  const write = async (fov: BatchFov, result: FuseResult, ms: number): Promise<void> => {
    const t0 = performance.now();
    const paths = fovOutputs(ctx.out, fov, ctx.outputs, ctx.format);
    try {
      // Names relative to the stats file: the output tree stays valid wherever it is mounted.
      const recordedOutputs = Object.fromEntries(Object.entries(paths).map(([kind, path]) => [kind, basename(path as string)]));
      await writeResult(result, paths, { recordedOutputs, pngLevel: ctx.pngLevel });
      // Encoded and written: the outputs go back to the engine to fuse the next FOVs into. (Not after
      // a failed write: an encode may still be reading them.)
      for (const buffer of buffersOf([result.image, result.image16, result.depth, result.rawDepth, result.confidence])) pool?.put(buffer);
      const row = okRow(fov, result, ms + performance.now() - t0);
      await writeDoneMarker(donePath(ctx.out, fov), ctx.fingerprint, row);
      ctx.finish(row);
    } catch (error) {
      ctx.finish(errorRow(fov, `writing the outputs failed: ${reasonOf(error, ctx.out)}`));
    }
  };

  const fuseBatch = async (ready: Loaded[]): Promise<void> => {
    const t0 = performance.now();
    const results = await engine.fuseMany(ready.map((item) => item.stack!), ctx.resolved);
    const fuseMs = (performance.now() - t0) / ready.length;
    ready.forEach((item, i) => {
      const result = results[i];
      if (result instanceof Error) {
        ctx.finish(errorRow(item.fov, reasonOf(result, ctx.root)));
        return;
      }
      result.meta ??= item.stack!.meta;
      const pending = write(item.fov, result, item.ms + fuseMs).finally(() => writes.delete(pending));
      writes.add(pending);
    });
  };

  // Decodes, fusions (engine.parallel at once: a worker pool fuses side by side) and writes overlap;
  // each stage waits only when the next one is full, so no core idles while there is work.
  const fusing = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined; // kept, not left unhandled, until the loop can throw it
  let next = 0;
  while (next < todo.length && !ctx.signal?.aborted && !failure) {
    for (let i = loads.length; i < Math.min(todo.length, next + ahead); i++) loads.push(load(todo[i]));
    const batch = await Promise.all(loads.slice(next, next + engine.batchSize));
    for (let i = next; i < next + batch.length; i++) delete loads[i]; // let decoded planes go once fused
    next += batch.length;
    const ready = batch.filter((item) => item.stack);
    for (const item of batch) if (item.error) ctx.finish(errorRow(item.fov, item.error));
    if (ready.length > 0) {
      const pending = fuseBatch(ready)
        .catch((error: unknown) => void (failure ??= { error }))
        .finally(() => fusing.delete(pending));
      fusing.add(pending);
    }
    while (fusing.size >= engine.parallel) await Promise.race(fusing);
    while (writes.size >= ctx.concurrency) await Promise.race(writes);
  }
  await Promise.all(fusing);
  await Promise.all(writes);
  if (failure) throw failure.error;
  return next < todo.length;
}
