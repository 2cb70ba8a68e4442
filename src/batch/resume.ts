/**
 * What makes a batch resumable: a per-FOV done marker written (atomically) after all of the FOV's
 * outputs, and a sweep of the temp files a killed run leaves behind. Node only.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fusionPresetOf, type FusionSettings } from '../core/options.js';
import { isAtomicTempName, writeFileAtomic } from '../io/atomic.js';
import type { ResultOutputs } from '../io/write-result.js';
import type { ManifestRow, ManifestSettings } from './manifest.js';

interface DoneMarker {
  /** The settings the outputs were made with; a resume with other settings redoes the FOV. */
  settings: string;
  row: ManifestRow;
}

/** The part of the settings that changes a FOV's outputs (not the dataset root: a moved tree is the same data). */
export function settingsFingerprint(settings: ManifestSettings): string {
  const { options, outputs, format } = settings;
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
 * The settings that differ between an earlier run's fingerprint and this one's, in words.
 * @example settingsChange(old, now) // => "measure 'teng' there, 'lapv' now; outputs fused,json there, fused,depth now"
 */
export function settingsChange(previous: string, current: string): string {
  const show = (value: unknown) => (Array.isArray(value) ? value.join(',') : typeof value === 'string' ? `'${value}'` : String(value));
  const [was, now] = [flattenSettings(previous), flattenSettings(current)];
  const keys = [...new Set([...Object.keys(now), ...Object.keys(was)])];
  return keys
    .filter((key) => JSON.stringify(was[key]) !== JSON.stringify(now[key]))
    .map((key) => `${key} ${show(was[key])} there, ${show(now[key])} now`)
    .join('; ');
}

/**
 * The flag that gives this run the earlier run's fusion preset, when each was made with a preset's
 * four settings and the presets differ (runs before the v2 default fused with version 1's maths
 * unless told otherwise); undefined otherwise.
 * @example presetFlag(fingerprintOfAVersion1Run, fingerprintOfTheDefault) // => '--fusion v1'
 */
export function presetFlag(previous: string, current: string): string | undefined {
  const [was, now] = [flattenSettings(previous), flattenSettings(current)].map((s) => fusionPresetOf(s as unknown as FusionSettings));
  return was && now && was !== now ? `--fusion ${was}` : undefined;
}

function flattenSettings(fingerprint: string): Record<string, unknown> {
  const { options = {}, ...rest } = JSON.parse(fingerprint) as { options?: Record<string, unknown> };
  // A fingerprint leaves depthMode out when it is version 1's (so older runs still match).
  return { depthMode: 'gaussian', ...options, ...rest };
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
