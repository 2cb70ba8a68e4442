import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { decodePlane } from '../src/io/decode.js';
import { cameraStack, CAMERA_CASES } from '../bench/align-camera.js';
import { estimationFactor, planAlignment } from '../src/align/align-stack.js';
import { setAlignProgress } from '../src/align/progress.js';
import { generateStack } from '../src/synth/generate.js';
import { fusedDisplacement, planeShares } from '../src/align/auto-gates.js';
import { affine, fromRows, identity, rmsDifference } from '../src/align/matrix.js';
import { resolveOptions } from '../src/core/options.js';
import { fuseCpu } from '../src/cpu/backend.js';
import { loadStack } from '../src/io/load-stack.js';

describe('alignment at camera scale', () => {
  it('estimates a 7 x 2048x1536 sweep on 512 px planes and recovers its similarity motion', { timeout: 240_000 }, () => {
    const c = CAMERA_CASES.find((k) => k.name === 'camera')!;
    const { planes, truth } = cameraStack(c, 1);
    expect(estimationFactor(c)).toBe(4);
    const { report } = planAlignment({ width: c.width, height: c.height, planes }, { mode: 'similarity' });
    expect(report!.warnings).toEqual([]);
    const errors = report!.planes.map((p, z) => rmsDifference(fromRows(p.matrix), truth[z], c.width, c.height));
    console.log(`camera: errors ${errors.map((e) => e.toFixed(3)).join(' ')} px, estimate ${report!.timings.estimate.toFixed(0)} ms`);
    // Unaligned, planes are tens of pixels off; the estimate on quarter-size planes within 0.1 px.
    expect(Math.max(...truth.map((t) => rmsDifference(t, identity(), c.width, c.height)))).toBeGreaterThan(20);
    for (const e of errors) expect(e).toBeLessThan(0.1);
  });
});

describe('auto applies motion only where it matters for the fused image', () => {
  it("weights each plane's displacement by its share of the sharpest pixels", () => {
    const moved = affine(1, 0, 1, 0, 1, 0); // 1 px to the right
    expect(fusedDisplacement([identity(), moved], [0.9, 0.1], 100, 100)).toBeCloseTo(Math.sqrt(0.1), 6);
    expect(fusedDisplacement([identity(), moved], [0, 3], 100, 100)).toBeCloseTo(1, 6);
    // A 4-pixel pattern, repeated: its fourth pixel is flat on both planes and counts for nothing;
    // plane 0 holds 6 of the 9 focus units.
    const repeat = (pattern: number[]) => Float32Array.from({ length: 48 }, (_, i) => pattern[i % 4]);
    const shares = planeShares([repeat([5, 0, 1, 0]), repeat([1, 3, 0, 0])]);
    expect(shares[0]).toBeCloseTo(6 / 9, 9);
    expect(shares[1]).toBeCloseTo(3 / 9, 9);
  });

  it('leaves the ECC-registered smear sweep untouched although its defocused planes read as moves', async () => {
    const stack = await loadStack('examples/samples/smear-registered');
    const result = fuseCpu(stack, resolveOptions({ align: 'auto' }));
    const report = result.alignment!;
    const largest = Math.max(...report.planes.map((p) => p.estimatedPx ?? 0));
    console.log(`smear-registered: largest estimated move ${largest.toFixed(2)} px, fused image ${report.fusedDisplacementPx?.toFixed(3)} px`);
    // Far from focus, planes move by more than the 0.5 px a plane-by-plane rule would apply ...
    expect(largest).toBeGreaterThan(0.5);
    // ... but they hold almost none of the sharpest pixels: the fused image would not move.
    expect(report.fusedDisplacementPx).toBeLessThan(0.5);
    expect(report.applied).toBe(false);
    expect(report.decidedBy).toBe('glance');
  });
});

describe('--save-aligned', () => {
  it('writes the planes the focus measures saw, one PNG per plane named after its source', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'focusfuse-save-aligned-'));
    try {
      const out = join(dir, 'aligned');
      const run = promisify(execFile);
      await run(process.execPath, [resolve('dist/cli.js'), 'fuse', 'test/fixtures/real/smear', '--align', 'similarity', '--save-aligned', out, '--json', join(dir, 'stats.json'), '-q']);
      const files = (await readdir(out)).sort();
      expect(files).toEqual(Array.from({ length: 19 }, (_, z) => `z${String(z).padStart(2, '0')}.png`));
      // Every plane in the reference frame (352x307 for this stack), not its own size.
      const sizes = await Promise.all(files.map(async (f) => decodePlane(join(out, f))));
      for (const plane of sizes) expect([plane.width, plane.height]).toEqual([352, 307]);
      // The stack is grey, so are its aligned planes (they were written as RGB).
      for (const f of files) expect((await sharp(join(out, f)).metadata()).channels).toBe(1);
      // They are planes, not focusfuse outputs: the folder fuses again as it is (no --align needed).
      const again = await run(process.execPath, [resolve('dist/cli.js'), 'fuse', out, '--json', '-', '-q']);
      expect(JSON.parse(again.stdout).input.planeCount).toBe(19);
      await expect(run(process.execPath, [resolve('dist/cli.js'), 'fuse', 'test/fixtures/real/smear', '--save-aligned', out])).rejects.toThrow(/--save-aligned does nothing without --align/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('alignment progress', () => {
  it('reports every registration of the stack, neighbours then skip-one, to the listener', () => {
    const { stack } = generateStack({ seed: 2, size: 96, planes: 5 });
    const seen: string[] = [];
    setAlignProgress((done, total) => seen.push(`${done}/${total}`));
    try {
      planAlignment(stack, { mode: 'translation' });
    } finally {
      setAlignProgress(undefined);
    }
    // 4 neighbour pairs and 3 skip-one pairs.
    expect(seen).toEqual(['1/7', '2/7', '3/7', '4/7', '5/7', '6/7', '7/7']);
  });
});
