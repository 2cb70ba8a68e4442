/**
 * Shared by the batch tests: tiny generated CCCID trees, planted bad FOVs, the CLI, and comparing
 * two output trees file by file.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { writeSynthTree } from '../src/synth/write-tree.js';
import type { SynthManifestFov } from '../src/synth/layout.js';
import { outputTagXmp } from '../src/io/output-tag.js';

export const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');

/** dist/cli.js must exist (npm test builds it first); say so instead of failing obscurely. */
export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
}

export const fovId = (fov: SynthManifestFov) => `${fov.className}/${fov.subtype}/${fov.serial}_(${fov.cx},${fov.cy})`;

/**
 * A tiny generated tree. Returns its FOVs in synth order.
 * @example const fovs = await makeTree('/tmp/x', { n: 12, size: 64 });
 */
export async function makeTree(root: string, options: { n: number; size: number; seed?: number }): Promise<SynthManifestFov[]> {
  const manifest = await writeSynthTree(root, { n: options.n, size: options.size, seed: options.seed ?? 7 });
  return manifest.fovs;
}

/**
 * Plants one of each kind of bad FOV and clutter in a generated tree; returns, per FOV id, a pattern
 * its manifest error must match, and the problems the scan must report.
 */
export async function plantBadFovs(root: string, fovs: SynthManifestFov[]) {
  const plane = (fov: SynthManifestFov, z: number) => join(root, fov.files[z]);
  const [corrupt, truncated, gap, lastMissing, duplicate, mismatch, unreadable, tiffStack] = fovs;
  await writeFile(plane(corrupt, 3), Buffer.from('this is not a JPEG at all, just text pretending to be one'));
  const bytes = await readFile(plane(truncated, 5));
  await truncate(plane(truncated, 5), Math.floor(bytes.length / 2));
  await rm(plane(gap, 4));
  await rm(plane(lastMissing, 10));
  await copyFile(plane(duplicate, 2), plane(duplicate, 2).replace(/\.jpg$/, '.png'));
  await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 200, g: 180, b: 190 } } }).jpeg().toFile(plane(mismatch, 7) + '.new');
  await rm(plane(mismatch, 7));
  await copyFile(plane(mismatch, 7) + '.new', plane(mismatch, 7));
  await rm(plane(mismatch, 7) + '.new');
  // Root reads every file, so "unreadable" is a plane whose link leads nowhere: the read fails the same way.
  await rm(plane(unreadable, 1));
  await symlink(join(root, 'nowhere', 'gone.jpg'), plane(unreadable, 1));
  // A plane exported as a 2-page TIFF (a Z-stack of its own) among the FOV's one-file planes.
  const { data, info } = await sharp(plane(tiffStack, 3)).raw().toBuffer({ resolveWithObject: true });
  await sharp(Buffer.concat([data, data]), { raw: { width: info.width, height: info.height * 2, channels: info.channels, pageHeight: info.height } })
    .tiff({ compression: 'none' })
    .toFile(plane(tiffStack, 3).replace(/\.jpg$/, '.tif'));
  await rm(plane(tiffStack, 3));

  const subtypeFolder = join(root, fovs[8].className, fovs[8].subtype);
  // Notes pass quietly (never reported); a file in a format focusfuse does not read is reported.
  await writeFile(join(subtypeFolder, 'notes.txt'), 'scanner notes');
  await writeFile(join(subtypeFolder, 'overview.bmp'), 'BM');
  await writeFile(join(subtypeFolder, 'IMG_0042.jpg'), await readFile(plane(fovs[8], 0)));
  await writeFile(join(subtypeFolder, '009_(1,2).jpg'), await readFile(plane(fovs[8], 0)));
  // An earlier run's output saved next to the planes (tagged as every output is): never a plane.
  await sharp(plane(fovs[8], 0)).withXmp(outputTagXmp('fused')).png().toFile(join(subtypeFolder, 'fused.png'));
  await writeFile(join(root, 'README.md'), 'dataset readme');
  await writeFile(join(root, 'slides.zip'), 'PK');
  await mkdir(join(root, 'ASC-US'));
  await writeFile(join(root, 'ground-truth', 'extra.txt'), 'never reported: the synth truth folder is skipped');

  const expectedErrors = new Map<string, RegExp>([
    [fovId(corrupt), /not a JPEG, PNG or TIFF|cannot decode/],
    [fovId(truncated), /truncated or corrupt|cannot decode/],
    [fovId(gap), /gap in z: z=4 is missing/],
    [fovId(lastMissing), /10 planes .* have 11: z=10 missing/],
    [fovId(duplicate), /both claim z=2/],
    [fovId(mismatch), /is 32x32 .* more than 25 % apart, which alignment does not take for focus breathing either \(a truncated or wrong file\?\)$/],
    [fovId(unreadable), /no such file/],
    // "give it alone" would mean nothing in a batch.
    [fovId(tiffStack), /,3\)\.tif: holds 2 pages, a Z-stack of its own, but comes with 10 other plane files \(.*, and 7 more\); export one file per plane$/],
  ]);
  const rel = (p: string) => relative(root, p).split('\\').join('/');
  const expectedProblems = [
    { path: rel(join(subtypeFolder, 'overview.bmp')), level: 'warning' },
    { path: rel(join(subtypeFolder, 'IMG_0042.jpg')), level: 'error' },
    { path: rel(join(subtypeFolder, '009_(1,2).jpg')), level: 'error' },
    { path: rel(join(subtypeFolder, 'fused.png')), level: 'warning' },
    { path: 'slides.zip', level: 'warning' },
    { path: 'ASC-US', level: 'warning' },
  ];
  return { expectedErrors, expectedProblems };
}

/** Every file under `dir`, relative, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** A manifest or stats JSON without what legitimately differs between runs (times, run records). */
export function withoutTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimes);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !['time_ms', 'timings', 'runs'].includes(key))
        .map(([key, v]) => [key, withoutTimes(v)]),
    );
  }
  return value;
}

/**
 * Asserts two batch output trees hold the same files: images byte for byte, JSON (stats, markers,
 * manifests) equal once times are left out, CSV equal once the time column is blanked.
 */
export async function expectSameOutputs(a: string, b: string, expect: (v: unknown) => { toEqual(x: unknown): void }): Promise<void> {
  const files = await listFiles(a);
  expect(await listFiles(b)).toEqual(files);
  for (const file of files) {
    const [x, y] = await Promise.all([readFile(join(a, file)), readFile(join(b, file))]);
    if (file.endsWith('.json')) expect({ file, json: withoutTimes(JSON.parse(y.toString())) }).toEqual({ file, json: withoutTimes(JSON.parse(x.toString())) });
    else if (file.endsWith('.csv')) expect({ file, csv: blankTimeColumn(y.toString()) }).toEqual({ file, csv: blankTimeColumn(x.toString()) });
    else expect({ file, same: x.equals(y) }).toEqual({ file, same: true });
  }
}

function blankTimeColumn(csv: string): string {
  const [header, ...lines] = csv.trimEnd().split('\n');
  const column = header.split(',').indexOf('time_ms');
  // Only the fov column is quoted (it has a comma), and it comes first: split after it.
  return [header, ...lines.map((line) => {
    const close = line.indexOf('",');
    const head = line.slice(0, close + 1);
    const rest = line.slice(close + 2).split(',');
    rest[column - 1] = '';
    return [head, ...rest].join(',');
  })].join('\n');
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js ...args`. */
export function runCli(args: string[], options: { onSpawn?: (child: ReturnType<typeof spawn>) => void } = {}): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
    options.onSpawn?.(child);
  });
}
