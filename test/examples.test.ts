/**
 * The Node scripts in examples/ run as a user runs them (a child process on the built package,
 * `npm run build` first; `npm test` does), from another folder than the repository, so they
 * cannot rot unnoticed. examples/browser is exercised in test/viewer-page.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEASURES } from '../src/core/options.js';

let cwd: string;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'focusfuse-examples-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function runExample(script: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [resolve('examples', script), ...args], { cwd, encoding: 'utf8' }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('examples/', () => {
  it('fuse-one-stack.mjs fuses the bundled sample and writes every output', async () => {
    const run = await runExample('fuse-one-stack.mjs');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/best single plane \d+, mean confidence 0\.\d{3}/);
    const out = join(cwd, 'out/example');
    for (const name of ['fused.png', 'depth-color.png']) {
      const meta = await sharp(join(out, name)).metadata();
      expect([meta.width, meta.height], name).toEqual([384, 384]);
    }
    expect((await sharp(join(out, 'depth.png')).metadata()).depth).toBe('ushort');
    const stats = JSON.parse(await readFile(join(out, 'stats.json'), 'utf8'));
    expect(stats.stats.focusCurve).toHaveLength(11);
  });

  it('compare-measures.mjs on a folder without ground truth points to bench metrics, without a stack trace', async () => {
    const folder = resolve('test/fixtures/real');
    const run = await runExample('compare-measures.mjs', folder);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`compare-measures: ${folder} holds no synth.json, so no ground truth to score against (this example takes a tree written by 'focusfuse synth'); for real stacks run: focusfuse bench metrics ${folder}`);
  });

  it('compare-measures.mjs scores every measure against the sample ground truth', async () => {
    const run = await runExample('compare-measures.mjs');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(MEASURES.length);
    // Each measure's own image: not all the same PSNR, as select's images would print.
    expect(new Set(lines.map((line) => line.match(/PSNR ([\d.]+)/)?.[1])).size).toBeGreaterThan(1);
    for (const [i, measure] of MEASURES.entries()) {
      const match = lines[i].match(/^001 (\w+)\s+depth MAE ([\d.]+) planes, ([\d.]+)% within 0\.5 plane, fused PSNR ([\d.]+) dB$/);
      expect(match, lines[i]).not.toBeNull();
      const [, name, mae, within, psnr] = match!;
      expect(name).toBe(measure);
      // The bundled sample is clean (noise 2, JPEG q90): every measure lands well inside these.
      expect(Number(mae), lines[i]).toBeLessThan(0.4);
      expect(Number(within), lines[i]).toBeGreaterThan(80);
      expect(Number(psnr), lines[i]).toBeGreaterThan(35);
    }
  });
});
