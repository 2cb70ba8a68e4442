/**
 * `focusfuse bench` end to end through dist/cli.js: the quick runs CI uses as a smoke test, a peer
 * given with --peer, the real-stack mode on a small CCCID tree, and bad flags.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEASURES } from '../src/core/options.js';
import sharp from 'sharp';
import { runRealBench } from '../bench/real.js';
import { headlineTable, metricsReport, runMetricsBench, type MetricsGrid } from '../bench/metrics.js';
import { speedModeCombos } from '../bench/speed-modes.js';
import { scanDataset } from '../src/batch/scan.js';
import { cpuBackend } from '../src/cpu/backend.js';
import type { ResolvedOptions } from '../src/core/types.js';
import { writeSynthTree } from '../src/synth/write-tree.js';

const CLI = resolve('dist/cli.js');
let dir: string;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 32 << 20 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function onlyReport(out: string): Promise<{ dir: string; files: string[]; json: Record<string, unknown> }> {
  const [name] = await readdir(out);
  const reportDir = join(out, name);
  return { dir: reportDir, files: (await readdir(reportDir)).sort(), json: JSON.parse(await readFile(join(reportDir, 'results.json'), 'utf8')) };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'focusfuse-bench-test-'));
  // A peer that returns the middle plane unchanged: the "best single plane" baseline every fusion must beat.
  const script = join(dir, 'middle-plane.mjs');
  await writeFile(
    script,
    `import { createRequire } from 'node:module';
const sharp = createRequire(${JSON.stringify(resolve('package.json'))})('sharp');
const files = process.argv.slice(2, -1);
await sharp(files[files.length >> 1]).tiff().toFile(process.argv.at(-1));\n`,
  );
  await writeFile(join(dir, 'peer.txt'), `middle=${process.execPath} ${script} {in} {out}`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('focusfuse bench metrics --quick', () => {
  it('scores every measure and a --peer on ground truth and writes the report', { timeout: 120_000 }, async () => {
    const out = join(dir, 'metrics');
    const peer = await readFile(join(dir, 'peer.txt'), 'utf8');
    const run = await cli('bench', 'metrics', '--quick', '--no-enfuse', '--quiet', '--peer', peer, '--out', out);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('## Headline (base condition)');
    // The measures ran under version 1's pipeline, not the default: the report starts by saying so.
    expect(run.stdout.startsWith("Pipeline: each measure under version 1's pipeline (sigma 3, gaussian depth, interpolate), not the default v2 (teng, sigma 4, histogram depth, select); `--modes` compares the pipelines.")).toBe(true);
    const report = await onlyReport(out);
    expect(report.dir).toMatch(/_metrics_\d+x-.*_cpu$/);
    expect(report.files).toEqual(['depth-rmse-vs-noise.svg', 'depth-rmse-vs-window.svg', 'psnr-vs-noise.svg', 'report.md', 'results.json']);
    const rows = report.json.rows as { method: string; kind: string; noise: number; quality: number; window?: number; scores: { psnr: number; depthRmse?: number; within1?: number } }[];
    expect(new Set(rows.filter((r) => r.kind === 'measure').map((r) => r.method))).toEqual(new Set(MEASURES));
    // Every measure is a real focus measure: at the base condition, depth within 1 plane on most object pixels.
    const base = rows.filter((r) => r.noise === 2 && r.quality === 90 && (r.kind === 'peer' || r.window === 4));
    for (const r of base.filter((r) => r.kind === 'measure')) expect(r.scores.within1, r.method).toBeGreaterThan(0.8);
    const middle = base.find((r) => r.method === 'middle');
    expect(middle?.scores.depthRmse).toBeUndefined();
    for (const r of base.filter((r) => r.kind === 'measure')) expect(r.scores.psnr, r.method).toBeGreaterThan(middle!.scores.psnr + 1);
  });
});

describe('focusfuse bench speed --quick', () => {
  it('times the CPU per stage, by size, planes and batch, with the decode floor', { timeout: 120_000 }, async () => {
    const out = join(dir, 'speed');
    const run = await cli('bench', 'speed', '--quick', '--no-enfuse', '--quiet', '--measures', 'lapv,sml', '--out', out);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Pipeline: each measure under version 1's pipeline /);
    expect(run.stdout).toContain("## cpu-reference vs cpu (fast path), per stage, 7 x 128^2, version 1's pipeline (lapv r=4, sigma 3, gaussian depth, interpolate)");
    expect(run.stdout).not.toContain('default options');
    const report = await onlyReport(out);
    expect(report.files).toEqual(['report.md', 'results.json', 'speed-vs-planes.svg', 'speed-vs-size.svg']);
    const json = report.json as { machine: { cores: number }; decode: Record<string, { loadStackMs: number }>; backends: { name: string; stages: Record<string, Record<string, { median: number }>>; bySize: Record<string, { median: number }> }[] };
    expect(json.machine.cores).toBeGreaterThan(0);
    const [cpu] = json.backends;
    expect(cpu.name).toBe('cpu');
    expect(Object.keys(cpu.stages)).toEqual(['lapv', 'sml']);
    expect(cpu.stages.sml.measure.median).toBeGreaterThan(0);
    expect(Object.keys(cpu.bySize)).toEqual(Object.keys(json.decode));
    // Four times the pixels cannot be faster (a loose check: ordering only, no timing threshold).
    expect(cpu.bySize['256'].median).toBeGreaterThan(cpu.bySize['128'].median);
    // The per-stage table names the engine per measure: lapv on the fast path, sml on the TypeScript stages.
    expect((cpu as { engines?: Record<string, string> }).engines).toEqual({ lapv: 'wasm simd', sml: 'TypeScript stages' });
    expect(run.stdout).toMatch(/\| measure +\| engine +\| luma ms/);
    expect(run.stdout).toMatch(/\| sml +\| TypeScript stages +\|/);
    expect(run.stdout).toContain('Engines differ: wasm simd ran lapv; TypeScript stages ran sml. Compare ms only within one engine.');
  });
});

describe('focusfuse bench speed --modes --quick', () => {
  it('times every mode combination against version 1, taking turns, with the load average', { timeout: 120_000 }, async () => {
    const out = join(dir, 'speed-modes');
    const run = await cli('bench', 'speed', '--modes', '--quick', '--backends', 'cpu', '--runs', '2', '--no-enfuse', '--quiet', '--out', out);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('x v1 (per round)');
    const report = await onlyReport(out);
    expect(report.dir).toContain('_speed-modes_');
    const json = report.json as {
      grid: { size: number; planes: number; runs: number };
      load: { before: number; after: number };
      backends: { name: string; combos: { name: string; engine: string; wall: { median: number }; roundRatio: { median: number }; stages: Record<string, number> }[] }[];
    };
    expect(json.grid).toEqual({ size: 128, planes: 7, runs: 2 });
    expect(json.load.before).toBeGreaterThanOrEqual(0);
    const [cpu] = json.backends;
    expect(cpu.name).toBe('cpu');
    const all = ['gaussian+interpolate', 'gaussian+pyramid', 'gaussian+select', 'edge-aware+interpolate', 'edge-aware+pyramid', 'edge-aware+select', 'histogram+interpolate', 'histogram+pyramid', 'histogram+select', 'v2 preset (teng, sigma 4, histogram+select)', 'v2 preset, one-plane off'];
    expect(cpu.combos.map((c) => c.name)).toEqual(all);
    // WebGPU runs only what it has kernels for: every mode since histogram and select got theirs.
    expect(speedModeCombos(true).map((c) => c.name)).toEqual(all);
    expect(cpu.combos[0].roundRatio.median).toBe(1);
    // Each combination's engine is named next to its ms: version 1 on the fast path, each row as recorded.
    expect(cpu.combos[0].engine).toBe('wasm simd');
    expect(run.stdout).toMatch(/\| combination +\| engine +\| ms per stack/);
    for (const c of cpu.combos) {
      expect(['wasm simd', 'TypeScript stages'], c.name).toContain(c.engine);
      expect(run.stdout).toContain(`| ${c.name.padEnd(Math.max(...cpu.combos.map((x) => x.name.length)))} | ${c.engine}`);
    }
    for (const c of cpu.combos) {
      expect(c.wall.median, c.name).toBeGreaterThan(0);
      expect(c.stages.composite, c.name).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('focusfuse bench metrics <CCCID tree>', () => {
  it('reports no-reference figures per class', { timeout: 120_000 }, async () => {
    const tree = join(dir, 'tree');
    await writeSynthTree(tree, { n: 4, seed: 3, size: 64, planes: 5 });
    const out = join(dir, 'real');
    const run = await cli('bench', 'metrics', tree, '--quiet', '--no-enfuse', '--limit', '2', '--measures', 'lapv,teng,glv', '--out', out);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Pipeline: each measure under version 1's pipeline /);
    expect(run.stdout).toContain('## Gradient share (fused gradient energy / per-pixel best plane; higher is better, up to 1), by class');
    const report = await onlyReport(out);
    // Which engine fused each measure stands next to its ms: glv has no fast path.
    expect(run.stdout).toMatch(/\| method +\|.*\| ms \/ stack \| engine +\|/);
    expect(run.stdout).toMatch(/\| glv +\|.*\| TypeScript stages \|/);
    expect(run.stdout).toContain('Engines differ: wasm simd ran lapv, teng; TypeScript stages ran glv. Compare ms only within one engine.');
    const json = report.json as { fovs: { className: string; gradientShare: Record<string, number>; focusCurve: Record<string, number[]>; depthDisagreement: Record<string, number>; engine: Record<string, string> }[] };
    for (const fov of json.fovs) expect(fov.engine).toEqual({ lapv: 'wasm simd', teng: 'wasm simd', glv: 'TypeScript stages' });
    expect(json.fovs).toHaveLength(2);
    expect(new Set(json.fovs.map((f) => f.className)).size).toBe(2); // spread over classes
    for (const fov of json.fovs) {
      expect(Object.keys(fov.depthDisagreement)).toEqual(['lapv|teng', 'lapv|glv', 'teng|glv']);
      expect(fov.focusCurve.lapv).toHaveLength(5);
      for (const share of Object.values(fov.gradientShare)) expect(share).toBeGreaterThan(0.3);
    }
  });
});

describe('bench metrics --limit with a stack it cannot fuse', () => {
  it('skips it, says to use --align, and still reports the number of stacks asked for', { timeout: 120_000 }, async () => {
    const tree = join(dir, 'tree-mixed');
    await writeSynthTree(tree, { n: 4, seed: 5, size: 48, planes: 4 });
    // The first stack a limited run takes gets one plane 8 px narrower: planes of mixed sizes.
    const [first] = (await scanDataset(tree)).fovs;
    const plane = [...first.files].sort()[1];
    const narrower = await sharp(plane).resize(40, 48).jpeg().toBuffer();
    await writeFile(plane, narrower);
    const run = await runRealBench(tree, { backend: cpuBackend, peers: [], measures: ['lapv'], limit: 2 });
    expect(run.skipped).toEqual([{ id: first.id, reason: expect.stringMatching(/; every plane must have the same size \(use --align to include it\)$/) }]);
    expect(run.fovs).toHaveLength(2);
    expect(run.fovs.map((f) => f.id)).not.toContain(first.id);
  });

  it('warms every measure up once per stack size before timing, so ms does not follow --measures order', { timeout: 120_000 }, async () => {
    const tree = join(dir, 'tree-warm');
    await writeSynthTree(tree, { n: 3, seed: 6, size: 48, planes: 4 });
    const calls: { measure: string; width: number }[] = [];
    const counting = { ...cpuBackend, fuse: (stack: Parameters<typeof cpuBackend.fuse>[0], options: ResolvedOptions) => (calls.push({ measure: options.measure, width: stack.width }), cpuBackend.fuse(stack, options)) };
    const run = await runRealBench(tree, { backend: counting, peers: [], measures: ['teng', 'lapv'], limit: 3 });
    expect(run.fovs).toHaveLength(3);
    // One size: 2 untimed warm-up fuses, then 2 per stack.
    expect(calls.map((c) => c.measure)).toEqual(['teng', 'lapv', ...Array(3).fill(['teng', 'lapv']).flat()]);
  });
});

describe('bench metrics (synthetic): warm-up and engines', () => {
  // Small, but wider than the old 64^2 x 3 warm-up stack, so a warm-up of another size shows.
  const grid: MetricsGrid = { size: 72, planes: 4, seeds: [1], base: { noise: 2, quality: 90, defocus: 1.2, window: 4 }, noises: [2], qualities: [90], defocuses: [1.2], windows: [1, 4] };

  it('warms every measure and window up on a stack of the timed size and planes before timing', { timeout: 120_000 }, async () => {
    const calls: { measure: string; window: number; width: number; planes: number }[] = [];
    const counting = { ...cpuBackend, fuse: (stack: Parameters<typeof cpuBackend.fuse>[0], options: ResolvedOptions) => (calls.push({ measure: options.measure, window: options.window, width: stack.width, planes: stack.planes.length }), cpuBackend.fuse(stack, options)) };
    await runMetricsBench(grid, { backend: counting, peers: [], measures: ['teng', 'lapv'] });
    for (const c of calls) expect(c).toMatchObject({ width: 72, planes: 4 });
    // 4 untimed (each measure at each window), then the 4 timed ones of the base condition.
    const combos = ['teng/4', 'teng/1', 'lapv/4', 'lapv/1'];
    expect(calls.map((c) => `${c.measure}/${c.window}`)).toEqual([...combos, ...combos]);
  });

  it('names the engine that fused each measure next to its ms, and says when they differ', { timeout: 120_000 }, async () => {
    const run = await runMetricsBench(grid, { backend: cpuBackend, peers: [], measures: ['lapv', 'brenner'] });
    expect(new Set(run.rows.filter((r) => r.method === 'lapv').map((r) => r.engine))).toEqual(new Set(['wasm simd']));
    expect(new Set(run.rows.filter((r) => r.method === 'brenner').map((r) => r.engine))).toEqual(new Set(['TypeScript stages']));
    const table = headlineTable(run);
    expect(table).toMatch(/\| ms \/ stack \| engine +\|/);
    expect(table).toMatch(/\| brenner +\|.*\| TypeScript stages \|/);
    expect(table).toMatch(/\| lapv +\|.*\| wasm simd +\|/);
    expect(metricsReport(run, []).markdown).toContain('Engines differ: wasm simd ran lapv; TypeScript stages ran brenner. Compare ms only within one engine.');
  });
});

describe('focusfuse bench: bad input', () => {
  it.each([
    [['bench'], /Expected 'metrics' or 'speed' for bench subcommand/],
    [['bench', 'speed', '--measures', 'lapv,nope'], /Expected a comma-separated list of .* for --measures but received 'lapv,nope'/],
    [['bench', 'metrics', '--peer', 'broken'], /Expected 'name=command \{in\} \{out\}'/],
    [['bench', 'speed', '--runs', '0'], /Expected a positive integer for --runs/],
  ])('%j exits 2 with a clear message', async (args, message) => {
    const run = await cli(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('npm run bench -- --help (dist/bench.js) prints the usage instead of running the bench', async () => {
    const started = performance.now();
    const run = await new Promise<{ code: number; stdout: string }>((done) => {
      execFile(process.execPath, [resolve('dist/bench.js'), '--help'], { encoding: 'utf8', timeout: 20_000 }, (error, stdout) => done({ code: error ? 1 : 0, stdout }));
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: focusfuse bench metrics/);
    expect(run.stdout.replace(/\s+/g, ' ')).toContain("metrics, metrics <folder> and speed fuse each measure under version 1's pipeline: sigma 3, gaussian depth, interpolate (the default is v2: teng, sigma 4, histogram depth, select); --modes compares the pipelines.");
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});

describe('bench metrics <folder> --modes --align', () => {
  it('registers each stack first, so a stack whose planes differ in size is measured instead of skipped', { timeout: 120_000 }, async () => {
    const { runRealModes, realModesMarkdown } = await import('../bench/modes.js');
    const { generateStack } = await import('../src/synth/generate.js');
    const { stack } = generateStack({ seed: 4, size: 96, planes: 3 });
    const folder = join(dir, 'modes-mixed');
    await rm(folder, { recursive: true, force: true });
    await mkdir(folder);
    await Promise.all(
      stack.planes.map(async (rgba, z) => {
        const png = sharp(Buffer.from(rgba), { raw: { width: 96, height: 96, channels: 4 } });
        // The last plane cropped by 2 px: planes of different sizes, as camera sweeps give.
        const out = z === 2 ? png.extract({ left: 1, top: 1, width: 94, height: 94 }) : png;
        await out.png().toFile(join(folder, `z${z}.png`));
      }),
    );
    const folders = [{ id: 'mixed', path: folder }];
    const plain = await runRealModes(folders, { backend: cpuBackend, align: 'none' });
    expect(plain.run.stacks).toEqual([]);
    expect(plain.run.skipped[0].reason).toMatch(/use --align to include it/);
    const registered = await runRealModes(folders, { backend: cpuBackend, align: 'similarity' });
    expect(registered.run.skipped).toEqual([]);
    const [entry] = registered.run.stacks;
    expect(entry.alignment?.mode).toBe('similarity');
    expect(Object.keys(entry.scores)).toEqual(registered.run.combos);
    expect(realModesMarkdown(registered.run, Object.keys(registered.files))).toContain('Every stack registered first (--align similarity');
  });
});
