/**
 * `node dist/align-bench.js`: alignment at camera scale (issue 13). Makes synthetic camera-like
 * stacks with known similarity motion (a breathing, drifting focus sweep), writes them as JPEG, runs
 * `focusfuse fuse --align <mode>` on each from the CLI, end to end, and prints the per-stage split
 * (load, estimate, warp, fusion, other: start, output writing, exit) and how far each estimated
 * transform is from the truth.
 *
 *   node dist/align-bench.js                                   # this build, 3 runs per case
 *   node dist/align-bench.js --baseline /tmp/old/dist/cli.js   # A/B, alternating in one run
 *   node dist/align-bench.js --cases camera --runs 5 --align similarity
 *
 * Cases: `camera` (7 x 2048x1536, scale up to 2 %, shift up to 30 px, rotation up to 0.1 degree)
 * and `smear-size` (19 x 352x307, the size of the real smear sweep, same motion ranges per plane).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { affine, compose, fromRows, invert, rmsDifference, type Mat3 } from '../src/align/matrix.js';
import { warpPlane } from '../src/image/warp.js';
import { encodeRgba } from '../src/io/encode.js';
import { generateStack } from '../src/synth/generate.js';
import { createRandom } from '../src/synth/random.js';
import { motionAbout } from '../test/align-fixtures.js';
import { markdownTable, median } from './stats.js';
import { VERSION_1_FLAGS } from './version-1.js';

const run = promisify(execFile);

/** A bench stack: size, planes, and the motion ranges of the issue. */
export interface CameraCase {
  name: string;
  width: number;
  height: number;
  planes: number;
  /** Largest magnification change over the sweep (relative), shift (px) and rotation (degrees). */
  scale: number;
  shift: number;
  rotationDeg: number;
}

export const CAMERA_CASES: readonly CameraCase[] = [
  { name: 'camera', width: 2048, height: 1536, planes: 7, scale: 0.02, shift: 30, rotationDeg: 0.1 },
  { name: 'smear-size', width: 352, height: 307, planes: 19, scale: 0.02, shift: 30, rotationDeg: 0.1 },
];

/** Margin of scene rendered around the frame, so that no moved plane shows the render's edge. */
const PAD = 48;

/**
 * A camera-like sweep: the scene rendered once per focus plane, each plane then seen through its own
 * similarity (reference-frame pixel -> plane pixel, the middle plane fixed): magnification breathing
 * linearly through focus up to `scale`, a random drift within `shift`, a small rotation.
 */
export function cameraStack(c: CameraCase, seed: number): { planes: Uint8Array[]; truth: Mat3[] } {
  const renderWidth = c.width + 2 * PAD;
  const renderHeight = c.height + 2 * PAD;
  const { stack } = generateStack({ seed, width: renderWidth, height: renderHeight, planes: c.planes, noise: 2, defocus: 1.2 });
  const random = createRandom(seed * 7919 + 3);
  const reference = Math.floor((c.planes - 1) / 2);
  const cx = (c.width - 1) / 2;
  const cy = (c.height - 1) / 2;
  const toRender = affine(1, 0, PAD, 0, 1, PAD);
  const truth: Mat3[] = [];
  const planes = stack.planes.map((rendered, z) => {
    const away = (z - reference) / Math.max(1, reference);
    const motion =
      z === reference
        ? affine(1, 0, 0, 0, 1, 0)
        : motionAbout(cx, cy, { scale: 1 + c.scale * away, rotationDeg: random.uniform(-c.rotationDeg, c.rotationDeg), dx: random.uniform(-c.shift, c.shift), dy: random.uniform(-c.shift, c.shift) });
    truth.push(motion);
    // moved(p) = still(motion^-1 p): sample the render through the inverse motion.
    return warpPlane({ rgba: rendered, width: renderWidth, height: renderHeight, stride: renderWidth }, compose(toRender, invert(motion)), c.width, c.height);
  });
  return { planes, truth };
}

/** What one CLI run reported. */
interface RunResult {
  wall: number;
  load: number;
  estimate: number;
  warp: number;
  /** The fusion's stages (luma .. stats) after alignment. */
  fuse: number;
  /** The rest of the wall time: Node's start, writing the outputs (encode + file), exit. */
  other: number;
  errors: number[];
}

async function fuseOnce(cli: string, dir: string, align: string, truth: Mat3[], width: number, height: number): Promise<RunResult> {
  const json = join(dir, `stats-${Math.random().toString(36).slice(2)}.json`);
  const t0 = performance.now();
  await run(process.execPath, [cli, 'fuse', join(dir, 'stack'), ...VERSION_1_FLAGS, '--align', align, '-o', join(dir, 'fused.jpg'), '--json', json], { maxBuffer: 1 << 24 });
  const wall = performance.now() - t0;
  const stats = JSON.parse(await readFile(json, 'utf8'));
  await rm(json);
  const alignment = stats.alignment;
  const estimate = alignment?.timings?.estimate ?? 0;
  const warp = alignment?.timings?.warp ?? 0;
  const errors = (alignment?.planes ?? []).map((p: { matrix: number[][] }, z: number) => rmsDifference(fromRows(p.matrix as never), truth[z], width, height));
  const load = stats.timings?.load ?? 0;
  const total = stats.timings?.total ?? 0;
  return { wall, load, estimate, warp, fuse: total - (stats.timings?.align ?? 0), other: wall - load - total, errors };
}

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

const USAGE = `Usage: node dist/align-bench.js [options]

Fuses synthetic camera-like stacks with known similarity motion through the CLI, end to end, and
prints the per-stage split (load, estimate, warp, fusion, other) and the recovery error.

  --cases <list>        camera, smear-size (default both)
  --runs <n>            runs per case and build (default 3)
  --align <mode>        the --align mode (default similarity)
  --cli <path>          the CLI to time (default dist/cli.js)
  --baseline <path>     another build's dist/cli.js, timed alternately (A/B)
  --baseline-runs <n>   runs of the baseline (default --runs)
  -h, --help            this text`;

async function main(args: string[]): Promise<void> {
  if (args.includes('-h') || args.includes('--help')) {
    console.log(USAGE);
    return;
  }
  const cli = resolve(flag(args, '--cli', 'dist/cli.js'));
  const baseline = args.includes('--baseline') ? resolve(flag(args, '--baseline', '')) : undefined;
  const runs = Number(flag(args, '--runs', '3'));
  const baselineRuns = Number(flag(args, '--baseline-runs', String(runs)));
  const align = flag(args, '--align', 'similarity');
  const names = flag(args, '--cases', CAMERA_CASES.map((c) => c.name).join(',')).split(',');
  const rows: string[][] = [];
  for (const c of CAMERA_CASES.filter((k) => names.includes(k.name))) {
    const dir = await mkdtemp(join(tmpdir(), 'focusfuse-align-bench-'));
    try {
      const { planes, truth } = cameraStack(c, 1);
      await run('mkdir', ['-p', join(dir, 'stack')]);
      for (const [z, rgba] of planes.entries()) await writeFile(join(dir, 'stack', `z${String(z).padStart(2, '0')}.jpg`), await encodeRgba(rgba, c.width, c.height, 'jpeg', null));
      const builds = baseline ? [['new', cli], ['old', baseline]] : [['new', cli]];
      const results = new Map<string, RunResult[]>(builds.map(([label]) => [label, []]));
      // Alternate the builds run by run: the machine is shared and its load drifts.
      for (let r = 0; r < runs; r++) {
        for (const [label, path] of builds) {
          if (label === 'old' && r >= baselineRuns) continue;
          const result = await fuseOnce(path, dir, align, truth, c.width, c.height);
          results.get(label)!.push(result);
          console.error(`${c.name} ${label} run ${r + 1}: wall ${result.wall.toFixed(0)} ms, estimate ${result.estimate.toFixed(0)}, warp ${result.warp.toFixed(0)}, fusion ${result.fuse.toFixed(0)}, other ${result.other.toFixed(0)}`);
        }
      }
      for (const [label, list] of results) {
        const errors = list[0].errors;
        const moved = errors.filter((_, z) => z !== Math.floor((c.planes - 1) / 2));
        const rms = Math.sqrt(moved.reduce((s, e) => s + e * e, 0) / Math.max(moved.length, 1));
        const med = (pick: (r: RunResult) => number) => median(list.map(pick)).toFixed(0);
        const recovery = align === 'none' ? '-' : `${rms.toFixed(3)} / ${Math.max(...moved).toFixed(3)}`;
        rows.push([`${c.planes} x ${c.width}x${c.height}`, label, String(list.length), med((r) => r.wall), med((r) => r.load), med((r) => r.estimate), med((r) => r.warp), med((r) => r.fuse), med((r) => r.other), recovery]);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  console.log(`--align ${align}, CLI end to end, medians (ms); recovery: px RMS over the frame, all moved planes / worst plane`);
  console.log('other = wall - load - fuse total: Node start, writing the outputs (encode + file), exit');
  console.log(markdownTable(['stack', 'build', 'runs', 'wall', 'load', 'estimate', 'warp', 'fusion', 'other', 'recovery px'], rows));
}

if (process.argv[1]?.endsWith('align-bench.js'))
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
