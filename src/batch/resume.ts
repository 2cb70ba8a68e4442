/**
 * What makes a batch resumable: a per-FOV done marker written (atomically) after all of the FOV's
 * outputs, and a sweep of the temp files a killed run leaves behind. Node only.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { countOf } from '../core/text.js';
import { DEFAULT_TAU, fusionPresetOf, type FusionSettings } from '../core/options.js';
import type { FuseOptions, Measure } from '../core/types.js';
import { isAtomicTempName, writeFileAtomic } from '../io/atomic.js';
import type { ResultOutputs } from '../io/write-result.js';
import type { ManifestRow, ManifestSettings } from './manifest.js';

interface DoneMarker {
  /** The settings the outputs were made with; a resume with other settings redoes the FOV. */
  settings: string;
  row: ManifestRow;
}

/**
 * The part of the settings that changes a FOV's outputs (not the dataset root: a moved tree is the
 * same data; not the preset's name, which only names the options: fingerprints of runs before it was
 * recorded still match).
 */
export function settingsFingerprint(settings: ManifestSettings): string {
  const { options: { fusion: _name, ...options }, outputs, format } = settings;
  return JSON.stringify({ options, outputs, format });
}

/**
 * Marks a FOV done. Call only after every output was written.
 * @example await writeDoneMarker('out/NILM/1. A/001_(1,2).done.json', fingerprint, row);
 */
export async function writeDoneMarker(path: string, fingerprint: string, row: ManifestRow): Promise<void> {
  const marker: DoneMarker = { settings: fingerprint, row };
  await writeFileAtomic(path, `${JSON.stringify(marker)}\n`);
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** What an earlier run left for one FOV. */
export type PreviousFov =
  /** Finished with the same settings, every output still there: keep it. */
  | { state: 'done'; row: ManifestRow }
  /** Finished with other settings (the marker's fingerprint): resuming it would mix two runs. */
  | { state: 'other-settings'; settings: string }
  /** Nothing usable (no marker, failed, an output missing since): (re)do it. */
  | { state: 'todo' };

/**
 * What an earlier run left for a FOV, from its done marker and outputs.
 * @example const previous = await readDoneMarker(markerPath, fingerprint, outputs); if (previous.state === 'done') skip();
 */
export async function readDoneMarker(path: string, fingerprint: string, outputs: ResultOutputs): Promise<PreviousFov> {
  let marker: DoneMarker;
  try {
    marker = JSON.parse(await readFile(path, 'utf8')) as DoneMarker;
  } catch {
    return { state: 'todo' };
  }
  if (typeof marker?.settings === 'string' && marker.settings !== fingerprint) return { state: 'other-settings', settings: marker.settings };
  if (marker?.row?.status !== 'ok') return { state: 'todo' };
  const present = await Promise.all(Object.values(outputs).map((p) => exists(p as string)));
  return present.every(Boolean) ? { state: 'done', row: marker.row } : { state: 'todo' };
}

/**
 * How a batch's settings are named in messages: fuse() option keys and the batch's own (`outputs`,
 * `format`, `runtime`, `concurrency`, `cpuThreads`, `gpuBatch`, `pngLevel`, `out`) by default; the CLI passes its flags (`depthMode` -> `--depth-mode`).
 */
export type SettingLabels = Partial<Record<keyof FuseOptions | 'outputs' | 'format' | 'runtime' | 'concurrency' | 'cpuThreads' | 'gpuBatch' | 'pngLevel' | 'out' | 'resume', string>>;

/**
 * The note of a run without resume into a folder where an earlier run finished FOVs: they are
 * fused again, which a rerun of the same command may not mean. `same` were fused with this run's
 * settings (resume would keep them), `other` with other ones (resume would refuse).
 * @example earlierRunNote(80, 0, 'out', { resume: '--resume' }) // => '80 FOVs of an earlier run are in out; fusing them again (add --resume to keep them)'
 */
export function earlierRunNote(same: number, other: number, out: string, labels: SettingLabels = {}): string | undefined {
  const count = same + other;
  if (count === 0) return undefined;
  const why = other === 0 ? ` (add ${labels.resume ?? 'resume'} to keep ${count === 1 ? 'it' : 'them'})` : same === 0 ? ' with these settings (that run had others)' : ` (${other} of them with other settings)`;
  return `${countOf(count, 'FOV')} of an earlier run ${count === 1 ? 'is' : 'are'} in ${out}; fusing ${count === 1 ? 'it' : 'them'} again${why}`;
}

/**
 * The settings that differ between this run's fingerprint and an earlier run's, this run's value
 * first. tau is left out when each is its own run's measure's default: it followed the measure.
 * @example settingsChange(earlier, now, { measure: '--measure' }) // => "--measure lapv vs teng, outputs fused,depth vs fused,json"
 */
export function settingsChange(previous: string, current: string, labels: SettingLabels = {}): string {
  const show = (value: unknown) => (Array.isArray(value) ? value.join(',') : String(value));
  const [was, now] = [flattenSettings(previous), flattenSettings(current)];
  const tauFollowedMeasure = was.measure !== now.measure && was.tau === DEFAULT_TAU[was.measure as Measure] && now.tau === DEFAULT_TAU[now.measure as Measure];
  const keys = [...new Set([...Object.keys(now), ...Object.keys(was)])];
  return keys
    .filter((key) => JSON.stringify(was[key]) !== JSON.stringify(now[key]) && !(key === 'tau' && tauFollowedMeasure))
    .map((key) => `${labels[key as keyof SettingLabels] ?? key} ${show(now[key])} vs ${show(was[key])}`)
    .join(', ');
}

/**
 * The earlier run's fusion preset, when each run was made with a preset's four settings and the
 * presets differ (runs before the v2 default fused with version 1's maths unless told otherwise);
 * undefined otherwise.
 * @example earlierPreset(fingerprintOfAVersion1Run, fingerprintOfTheDefault) // => 'v1'
 */
export function earlierPreset(previous: string, current: string): string | undefined {
  const [was, now] = [flattenSettings(previous), flattenSettings(current)].map((s) => fusionPresetOf(s as unknown as FusionSettings));
  return was && now && was !== now ? was : undefined;
}

/**
 * Why a resume is refused: how many FOVs an earlier run fused with other settings, what differs,
 * and the ways on (the earlier run's preset first, when it had one).
 * @example resumeRefusal(6, earlier, now, { fusion: '--fusion', depthMode: '--depth-mode' })
 * // => "--resume: 6 fields of view were fused here with other settings (this run vs the earlier one: --depth-mode histogram vs gaussian, ...); rerun with the earlier options (--fusion v1 gives that run's fusion preset) to finish ..."
 */
export function resumeRefusal(count: number, previous: string, current: string, labels: SettingLabels = {}): string {
  const preset = earlierPreset(previous, current);
  const hint = preset ? ` (${labels.fusion ?? 'fusion'} ${preset} gives that run's fusion preset)` : '';
  return (
    `--resume: ${countOf(count, 'field of view was', 'fields of view were')} fused here with other settings ` +
    `(this run vs the earlier one: ${settingsChange(previous, current, labels)}); ` +
    `rerun with the earlier options${hint} to finish that run, or without --resume to redo every FOV with these, or pick another --out`
  );
}

function flattenSettings(fingerprint: string): Record<string, unknown> {
  const { options = {}, ...rest } = JSON.parse(fingerprint) as { options?: Record<string, unknown> };
  // A fingerprint leaves depthMode out when it is version 1's and onePlane when it is the default
  // (so older runs still match).
  return { ...options, depthMode: options.depthMode ?? 'gaussian', onePlane: options.onePlane ?? 'auto', ...rest };
}

/**
 * Deletes the temp files that interrupted atomic writes left for these FOVs; returns how many.
 * Only the given FOVs' files are touched, so shards sharing an output folder never delete each
 * other's writes in progress.
 * @example await removeStaleTempFiles(fovs.map((fov) => fovStem('out', fov))); // after a SIGKILL
 */
export async function removeStaleTempFiles(stems: readonly string[]): Promise<number> {
  const byFolder = new Map<string, Set<string>>();
  for (const stem of stems) {
    const folder = dirname(stem);
    if (!byFolder.has(folder)) byFolder.set(folder, new Set());
    byFolder.get(folder)!.add(basename(stem));
  }
  let removed = 0;
  for (const [folder, keys] of byFolder) {
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const name of names) {
      // `.<target name>.<pid>.<n>.tmp`, and every target name of a FOV starts with `<key>.`
      const target = name.slice(1);
      if (!isAtomicTempName(name) || ![...keys].some((key) => target.startsWith(`${key}.`))) continue;
      await rm(join(folder, name), { force: true });
      removed += 1;
    }
  }
  return removed;
}
