/**
 * The batch manifest: one row per FOV (`manifest.csv` for spreadsheets, `manifest.json` with the
 * run's options and the scan's problems), shard manifests, and merging those into one.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FocusFuseError } from '../core/errors.js';
import type { FuseResult, FusionPreset, ResolvedOptions } from '../core/types.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { OutputFormat } from '../io/encode.js';
import type { OutputKind } from './layout.js';
import { settingsChange } from './resume.js';
import { compareFovIds, type BatchFov, type ScanProblem } from './scan.js';
import type { Shard } from './select.js';

/** One FOV in the manifest. Numbers keep 6 significant digits: more is noise, and rows stay comparable. */
export interface ManifestRow {
  fov: string;
  class: string;
  subtype: string;
  serial: string;
  cx: number;
  cy: number;
  planes: number;
  width: number | null;
  height: number | null;
  best_plane: number | null;
  depth_mean: number | null;
  depth_std: number | null;
  confidence_mean: number | null;
  /**
   * Why the depth mode showed one plane, and which: `halos 1` (the histogram depth's one-plane test),
   * `inverted 2` or `no-evidence 0` (edge-aware); empty where it fused per pixel (and in rows written
   * before the column existed).
   */
  depth_fallback: string;
  /** Mean focus measure per plane (CSV: `;`-separated). */
  focus_curve: number[];
  backend: string;
  adapter: string;
  /** Milliseconds spent on this FOV: decode + fuse + write. */
  time_ms: number | null;
  /** Alignment: `none`, or the mode plus whether it was applied (`similarity`, `auto (not applied)`). */
  align: string;
  /** Largest per-plane displacement of the alignment, pixels RMS over the frame (null without alignment). */
  align_max_px: number | null;
  /** Per-plane transforms, reference pixel -> plane pixel, row-major 3x3: planes `;`-separated, entries space-separated. */
  align_transforms: string;
  /** Per-plane brightness match (`--match-brightness`): gains then offsets of R, G, B space-separated, planes `;`-separated, empty where none. */
  align_brightness: string;
  status: 'ok' | 'error';
  /** Why the FOV failed; empty when ok. */
  error: string;
}

export const MANIFEST_COLUMNS: readonly (keyof ManifestRow)[] = [
  'fov', 'class', 'subtype', 'serial', 'cx', 'cy', 'planes', 'width', 'height', 'best_plane', 'depth_mean', 'depth_std',
  'confidence_mean', 'depth_fallback', 'focus_curve', 'backend', 'adapter', 'time_ms', 'align', 'align_max_px', 'align_transforms', 'align_brightness', 'status', 'error',
];

/** What a run was asked to do: shards of one dataset must agree on it to be merged. */
export interface ManifestSettings {
  root: string;
  /**
   * The fusion options, and `fusion`: the preset they equal (`v1`, `v2`) or `custom`, for the reader
   * (not in the resume fingerprint; manifests before it was recorded lack it). `depthMode` only when
   * it is not `gaussian` and `onePlane` only when it is `off`, so earlier runs' fingerprints still match.
   */
  options: { fusion?: FusionPreset | 'custom' } & Omit<ResolvedOptions, 'backend' | 'keepFocus' | 'depthMode' | 'onePlane'> & Partial<Pick<ResolvedOptions, 'depthMode' | 'onePlane'>>;
  outputs: OutputKind[];
  format: OutputFormat;
  planes: number | null;
}

/**
 * The manifest's counts. `fovs`, `ok`, `failed` are fields of view; `notPartOfAnyFov` counts the
 * files and folders of the tree that are not (the `problems` list; `--json-summary` has the same
 * count under the same name), and `unplacedImages` those of them that are images which could be
 * planes but that no FOV takes (misnamed or misplaced: left unfused). Neither is a failed FOV.
 * Earlier manifests had these as `problems: { errors, warnings }` (2026-12-06) or `errors` and
 * `warnings` beside `failed` (before): only the rows, `problems` and `runs` are read back (resume,
 * merge), and the summary is always counted anew from them.
 */
export interface ManifestSummary {
  fovs: number;
  ok: number;
  failed: number;
  notPartOfAnyFov: number;
  unplacedImages: number;
}

export interface ManifestDocument {
  formatVersion: 1;
  generator: 'focusfuse batch';
  settings: ManifestSettings;
  shard: Shard | null;
  /** FOVs: how many, fused ok, failed (their rows say why); then what is not a FOV (ManifestSummary). */
  summary: ManifestSummary;
  rows: ManifestRow[];
  /** Files and folders of the tree that are not part of any FOV (see docs/batch.md). */
  problems: ScanProblem[];
  /** How the run(s) went: backend, times. Differs between runs of the same data; never compared. */
  runs: Record<string, unknown>[];
}

const round6 = (value: number) => (Number.isFinite(value) ? Number(value.toPrecision(6)) : value);

function identity(fov: BatchFov) {
  return { fov: fov.id, class: fov.className, subtype: fov.subtype, serial: fov.serial, cx: fov.cx, cy: fov.cy };
}

/**
 * The row of a fused FOV.
 * @example okRow(fov, result, 83.2).best_plane // => 5
 */
export function okRow(fov: BatchFov, result: FuseResult, timeMs: number): ManifestRow {
  const { stats, backend } = result;
  return {
    ...identity(fov),
    planes: result.planeCount,
    width: result.width,
    height: result.height,
    best_plane: stats.bestPlane,
    depth_mean: round6(stats.depthMean),
    depth_std: round6(stats.depthStd),
    confidence_mean: round6(stats.confidenceMean),
    depth_fallback: result.depthFallback ? `${result.depthFallback.reason} ${result.depthFallback.plane}` : '',
    focus_curve: stats.focusCurve.map(round6),
    backend: [backend.name, backend.runtime].filter(Boolean).join(' '),
    adapter: backend.adapter ?? '',
    time_ms: Math.round(timeMs * 10) / 10,
    ...alignmentColumns(result),
    status: 'ok',
    error: '',
  };
}

/** The alignment's columns: what ran, how far planes moved, and the transforms themselves. */
function alignmentColumns(result: FuseResult): Pick<ManifestRow, 'align' | 'align_max_px' | 'align_transforms' | 'align_brightness'> {
  const report = result.alignment;
  if (!report) return { align: 'none', align_max_px: null, align_transforms: '', align_brightness: '' };
  return {
    align: report.applied ? report.mode : `${report.mode} (not applied)`,
    align_max_px: round6(Math.max(0, ...report.planes.map((p) => p.displacementPx))),
    align_transforms: report.planes.map((p) => p.matrix.flat().map(round6).join(' ')).join(';'),
    align_brightness: report.planes.some((p) => p.brightness) ? report.planes.map((p) => (p.brightness ? [...p.brightness.gain, ...p.brightness.offset].map(round6).join(' ') : '')).join(';') : '',
  };
}

/**
 * The row of a FOV that could not be fused, with the reason.
 * @example errorRow(fov, 'gap in z: z=3 is missing').status // => 'error'
 */
export function errorRow(fov: BatchFov, reason: string): ManifestRow {
  return {
    ...identity(fov),
    planes: fov.files.length,
    width: null,
    height: null,
    best_plane: null,
    depth_mean: null,
    depth_std: null,
    confidence_mean: null,
    depth_fallback: '',
    focus_curve: [],
    backend: '',
    adapter: '',
    time_ms: null,
    align: '',
    align_max_px: null,
    align_transforms: '',
    align_brightness: '',
    status: 'error',
    error: reason,
  };
}

function csvField(value: ManifestRow[keyof ManifestRow] | undefined): string {
  // undefined: a column added after an earlier run wrote the row (a resumed row keeps it as it was).
  const text = value === null || value === undefined ? '' : Array.isArray(value) ? value.join(';') : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The rows as CSV with a header line (RFC 4180 quoting).
 * @example manifestCsv(rows).split('\n')[0] // => 'fov,class,subtype,serial,cx,cy,planes,...'
 */
export function manifestCsv(rows: readonly ManifestRow[]): string {
  const lines = [MANIFEST_COLUMNS.join(','), ...rows.map((row) => MANIFEST_COLUMNS.map((c) => csvField(row[c])).join(','))];
  return `${lines.join('\n')}\n`;
}

/** File name stem of a run's manifest: `manifest`, or `manifest.shard-<i>-of-<n>` for a shard. */
export function manifestStem(shard: Shard | null): string {
  return shard ? `manifest.shard-${shard.index}-of-${shard.count}` : 'manifest';
}

/**
 * The problems that are images which could be planes but no FOV takes (the scan's `error` level).
 * @example unplacedImages([{ path: 'NILM/IMG_1.jpg', level: 'error', reason: '...' }]) // => 1
 */
export function unplacedImages(problems: readonly ScanProblem[]): number {
  return problems.filter((p) => p.level === 'error').length;
}

/**
 * Builds the manifest document: rows sorted in FOV order, summary counted from them.
 * @example const doc = manifestDocument(settings, null, rows, problems, [{ backend: 'cpu' }]);
 */
export function manifestDocument(settings: ManifestSettings, shard: Shard | null, rows: ManifestRow[], problems: ScanProblem[], runs: Record<string, unknown>[]): ManifestDocument {
  const sorted = [...rows].sort((a, b) => compareFovIds(a.fov, b.fov));
  const ok = sorted.filter((r) => r.status === 'ok').length;
  return {
    formatVersion: 1,
    generator: 'focusfuse batch',
    settings,
    shard,
    summary: {
      fovs: sorted.length,
      ok,
      failed: sorted.length - ok,
      notPartOfAnyFov: problems.length,
      unplacedImages: unplacedImages(problems),
    },
    rows: sorted,
    problems,
    runs,
  };
}

/**
 * Writes `<stem>.json` and `<stem>.csv` into `outDir`, each atomically.
 * @example await writeManifest('out', doc); // out/manifest.json, out/manifest.csv
 */
export async function writeManifest(outDir: string, doc: ManifestDocument): Promise<string[]> {
  const stem = join(outDir, manifestStem(doc.shard));
  await writeFileAtomic(`${stem}.json`, `${JSON.stringify(doc, null, 1)}\n`);
  await writeFileAtomic(`${stem}.csv`, manifestCsv(doc.rows));
  return [`${stem}.json`, `${stem}.csv`];
}

/**
 * The `runs` of the manifest an earlier run left in `outDir` (same shard), oldest first; none when
 * there is no readable one. A resumed run appends its own, so the manifest lists every run that
 * contributed.
 * @example const earlier = await earlierRuns('out', null);
 */
export async function earlierRuns(outDir: string, shard: Shard | null): Promise<Record<string, unknown>[]> {
  try {
    const doc = await readManifestFile(`${join(outDir, manifestStem(shard))}.json`);
    return Array.isArray(doc.runs) ? doc.runs : [];
  } catch {
    return [];
  }
}

/** The same run settings, whether or not a manifest records the preset's name (earlier ones do not). */
/** The settings as JSON without the preset's name (`custom` and `v2` may name the same options). */
const unnamed = ({ options: { fusion: _name, ...options }, ...rest }: ManifestSettings) => JSON.stringify({ ...rest, options });

function sameSettings(a: ManifestSettings, b: ManifestSettings): boolean {
  return unnamed(a) === unnamed(b);
}

async function readManifestFile(path: string): Promise<ManifestDocument> {
  let doc: ManifestDocument;
  try {
    doc = JSON.parse(await readFile(path, 'utf8')) as ManifestDocument;
  } catch (error) {
    throw new FocusFuseError('BAD_STACK', `cannot read this manifest (${(error as Error).message})`, path);
  }
  if (doc?.generator !== 'focusfuse batch' || !Array.isArray(doc.rows)) throw new FocusFuseError('BAD_STACK', 'is not a focusfuse batch manifest', path);
  return doc;
}

/**
 * Merges the shard manifests of one output folder (or the files given) into one manifest. Every
 * shard 0..n-1 of one split must be there, made with the same settings; rows are re-sorted, so
 * the result equals the manifest of a single run over the same FOVs.
 * @example const doc = await mergeManifests({ outDir: 'out' }); await writeManifest('out', doc);
 * @throws FocusFuseError naming the missing shard or the manifest whose settings differ.
 */
export async function mergeManifests(options: { outDir: string; files?: readonly string[] }): Promise<ManifestDocument> {
  const files =
    options.files && options.files.length > 0
      ? [...options.files]
      : (await readdir(options.outDir).catch(() => {
          throw new FocusFuseError('NOT_FOUND', 'no such folder (the batch output folder, holding the shard manifests)', options.outDir);
        })).filter((name) => /^manifest\.shard-\d+-of-\d+\.json$/.test(name)).map((name) => join(options.outDir, name));
  if (files.length === 0) throw new FocusFuseError('NOT_FOUND', 'no shard manifests (manifest.shard-<i>-of-<n>.json) here', options.outDir);
  const docs = await Promise.all(files.map(readManifestFile));
  const first = docs[0];
  const count = first.shard?.count;
  const seen = new Map<number, string>();
  docs.forEach((doc, i) => {
    if (!doc.shard || doc.shard.count !== count) throw new FocusFuseError('BAD_STACK', `is not shard of the same ${count}-way split as ${files[0]}`, files[i]);
    if (!sameSettings(doc.settings, first.settings)) {
      throw new FocusFuseError('BAD_STACK', `was made with other settings than ${files[0]} (this shard vs that one: ${settingsChange(unnamed(first.settings), unnamed(doc.settings))})`, files[i]);
    }
    if (seen.has(doc.shard.index)) throw new FocusFuseError('BAD_STACK', `repeats shard ${doc.shard.index}, also in ${seen.get(doc.shard.index)}`, files[i]);
    seen.set(doc.shard.index, files[i]);
  });
  const missing = Array.from({ length: count ?? 0 }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0) {
    const names = missing.map((i) => `manifest.shard-${i}-of-${count}.json`).join(', ');
    throw new FocusFuseError('NOT_FOUND', `shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${count} missing (no ${names}); run ${missing.length > 1 ? 'them' : 'it'}, then merge again`, options.outDir);
  }
  // Every shard scans the whole tree, so each reports the same problems: keep one of each.
  const problems = new Map<string, ScanProblem>();
  for (const doc of docs) for (const p of doc.problems) problems.set(`${p.path}\u0000${p.reason}`, p);
  const rows = docs.flatMap((doc) => doc.rows);
  return manifestDocument(first.settings, null, rows, [...problems.values()], docs.flatMap((doc) => doc.runs));
}
