/**
 * The alignment stage's building blocks on their own: the Lanczos-3 warp kernel, the model
 * parametrisation and the joint refinement of transforms from several registrations.
 */
import { describe, expect, it } from 'vitest';
import { modelParams, updateMatrix, type MotionModel } from '../src/align/estimate.js';
import { misfits, refineJointly, type PairMeasurement } from '../src/align/joint.js';
import { affine, compose, identity, invert, rmsDifference, type Mat3 } from '../src/align/matrix.js';
import { lanczos3Weights, warpPlane, WARP_TAPS } from '../src/image/warp.js';
import { motionAbout } from './align-fixtures.js';
import { pooledPyramids, registrationOrder } from '../src/align/align-stack.js';

/** Lanczos-3 from its definition, normalised: what lanczos3Weights' shortcut must equal. */
function lanczosByDefinition(t: number): number[] {
  const taps = [-2, -1, 0, 1, 2, 3].map((k) => {
    const d = t - k;
    return Math.abs(d) < 1e-12 ? 1 : (3 * Math.sin(Math.PI * d) * Math.sin((Math.PI * d) / 3)) / (Math.PI * Math.PI * d * d);
  });
  const sum = taps.reduce((a, b) => a + b, 0);
  return taps.map((w) => w / sum);
}

describe('Lanczos-3 warp', () => {
  it('weights equal the kernel by definition, sum to 1 and mirror about t = 0.5', () => {
    for (let t = 0; t < 1; t += 1 / 64) {
      const w = lanczos3Weights(t);
      const expected = lanczosByDefinition(t);
      for (let k = 0; k < WARP_TAPS; k++) expect(Math.abs(w[k] - expected[k])).toBeLessThan(1e-7);
      expect(Math.abs(w.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
      if (t > 0) {
        const mirrored = lanczos3Weights(1 - t);
        for (let k = 0; k < WARP_TAPS; k++) expect(Math.abs(w[k] - mirrored[WARP_TAPS - 1 - k])).toBeLessThan(1e-7);
      }
    }
  });

  it('reproduces a plane exactly under the identity and integer shifts', () => {
    const [w, h] = [37, 29];
    const rgba = Uint8Array.from({ length: w * h * 4 }, (_, i) => (i * 2654435761) >>> 24);
    const view = { rgba, width: w, height: h, stride: w };
    expect(Buffer.from(warpPlane(view, identity(), w, h)).equals(Buffer.from(rgba))).toBe(true);
    const shifted = warpPlane(view, affine(1, 0, 3, 0, 1, -2), w, h);
    for (let y = 2; y < h; y++) for (let x = 0; x < w - 3; x++) expect(shifted[(y * w + x) * 4 + 1]).toBe(rgba[((y - 2) * w + x + 3) * 4 + 1]);
  });

  it('moves a smooth pattern by a sub-pixel shift to within the rounding plus 0.2 level', () => {
    const [w, h] = [64, 48];
    const value = (x: number, y: number) => 128 + 60 * Math.sin(x / 5) * Math.cos(y / 7);
    const rgba = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgba.fill(Math.round(value(x, y)), (y * w + x) * 4, (y * w + x) * 4 + 4);
    const warped = warpPlane({ rgba, width: w, height: h, stride: w }, affine(1, 0, 0.37, 0, 1, -0.61), w, h);
    let worst = 0;
    for (let y = 4; y < h - 4; y++) for (let x = 4; x < w - 4; x++) worst = Math.max(worst, Math.abs(warped[(y * w + x) * 4] - value(x + 0.37, y - 0.61)));
    // 0.5 from rounding the plane, 0.5 from rounding the result, the rest the kernel's.
    expect(worst).toBeLessThan(1.2);
  });
});

describe('joint refinement', () => {
  const [width, height] = [200, 160];
  const centre = [(width - 1) / 2, (height - 1) / 2] as const;
  /** Transforms of 5 planes, reference 2, in the range of the recovery fixtures. */
  const truth: Mat3[] = [
    motionAbout(centre[0], centre[1], { scale: 1.04, rotationDeg: 1.5, dx: 12, dy: -7, shear: 0.01 }),
    motionAbout(centre[0], centre[1], { scale: 0.97, rotationDeg: -1, dx: -20, dy: 5 }),
    identity(),
    motionAbout(centre[0], centre[1], { scale: 1.02, rotationDeg: 0.5, dx: 8, dy: 25, stretch: -0.01 }),
    motionAbout(centre[0], centre[1], { scale: 0.95, rotationDeg: -2, dx: -29, dy: -14 }),
  ];
  const information = (weight: number) => {
    const k = 6;
    const m = new Float64Array(k * k);
    // Linear parameters are ~100x more constrained per unit than shifts (they move pixels by ~100 px).
    for (let i = 0; i < k; i++) m[i * k + i] = weight * (i < 4 ? 1e4 : 1);
    return m;
  };
  const measure = (from: number, to: number, weight: number, error: Mat3 = identity()): PairMeasurement => ({
    from,
    to,
    matrix: compose(compose(truth[to], invert(truth[from])), error),
    information: information(weight),
    centre,
  });
  const pairs = [measure(2, 1, 1), measure(1, 0, 1), measure(2, 3, 1), measure(3, 4, 1), measure(2, 0, 1), measure(1, 3, 1), measure(2, 4, 1)];

  it('modelParams inverts updateMatrix for every model', () => {
    const cases: [MotionModel, number[]][] = [['translation', [1.5, -2]], ['similarity', [0.03, -0.02, 4, 1]], ['affine', [0.02, 0.01, -0.015, 0.03, -3, 2]]];
    for (const [model, p] of cases) {
      const back = modelParams(model, updateMatrix(model, Float64Array.from(p), 50, 40), 50, 40);
      p.forEach((v, i) => expect(back[i]).toBeCloseTo(v, 12));
    }
  });

  it('recovers the transforms from consistent registrations, starting from a perturbed chain', () => {
    const start = truth.map((t, z) => (z === 2 ? t : compose(t, affine(1.01, 0.005, 1.5, -0.004, 0.99, -2))));
    expect(Math.max(...misfits('affine', pairs, start))).toBeGreaterThan(10);
    const refined = refineJointly(start, 2, 'affine', pairs, centre);
    refined.forEach((t, z) => expect(rmsDifference(t, truth[z], width, height)).toBeLessThan(1e-6));
    expect(Math.max(...misfits('affine', pairs, refined))).toBeLessThan(1e-9);
  });

  it('weighs each registration by its information: a certain path beats an uncertain one', () => {
    // The direct 2 -> 0 registration is off by 1 px; the chain 2 -> 1 -> 0 is exact.
    const off = affine(1, 0, 1, 0, 1, 0);
    const chainStart = truth.slice();
    for (const [weight, expectNearTruth] of [[1e-3, true], [1e3, false]] as const) {
      const measurements = [measure(2, 1, 1), measure(1, 0, 1), measure(2, 0, weight, off)];
      const refined = refineJointly(chainStart, 2, 'affine', measurements, centre);
      const error = rmsDifference(refined[0], truth[0], width, height);
      if (expectNearTruth) expect(error).toBeLessThan(0.01);
      else expect(error).toBeGreaterThan(0.9);
    }
  });

  it('leaves planes that no registration touches as they were', () => {
    const start = truth.map((t) => compose(t, affine(1, 0, 0.5, 0, 1, 0)));
    start[2] = identity();
    const refined = refineJointly(start, 2, 'affine', [measure(2, 1, 1)], centre);
    expect(rmsDifference(refined[1], truth[1], width, height)).toBeLessThan(1e-6);
    for (const z of [0, 3, 4]) expect(rmsDifference(refined[z], start[z], width, height)).toBe(0);
  });
});

describe('rmsDifference', () => {
  /** The definition: the RMS distance over the (grid + 1)^2 sample points. */
  function sampled(a: Mat3, b: Mat3, width: number, height: number, grid = 16): number {
    let sum = 0;
    for (let j = 0; j <= grid; j++) {
      for (let i = 0; i <= grid; i++) {
        const [x, y] = [((width - 1) * i) / grid, ((height - 1) * j) / grid];
        const dx = a[0] * x + a[4] * y + a[8] - (b[0] * x + b[4] * y + b[8]);
        const dy = a[1] * x + a[5] * y + a[9] - (b[1] * x + b[5] * y + b[9]);
        sum += dx * dx + dy * dy;
      }
    }
    return Math.sqrt(sum / (grid + 1) ** 2);
  }

  it('is the RMS over its sample grid, for shifts, rotations about any point, shears and tiny moves', () => {
    const cases: [Mat3, Mat3, number, number][] = [
      [identity(), affine(1, 0, 0.3, 0, 1, 0.4), 100, 100],
      [identity(), motionAbout(1023.5, 767.5, { rotationDeg: 0.3 }), 2048, 1536],
      [motionAbout(10, 300, { scale: 1.02, dx: 3 }), identity(), 351, 306],
      [affine(1.01, 0.02, -4, -0.015, 0.99, 7), affine(0.98, 0, 2, 0.01, 1.03, -1), 384, 288],
      [identity(), motionAbout(191.5, 191.5, { scale: 1 + 1e-9 }), 384, 384],
      [affine(1, 0, 5, 0, 1, 5), affine(1, 0, 5, 0, 1, 5), 64, 48],
    ];
    for (const [a, b, w, h] of cases) {
      const expected = sampled(a, b, w, h);
      expect(Math.abs(rmsDifference(a, b, w, h) - expected)).toBeLessThanOrEqual(1e-12 * Math.max(1, expected));
      expect(Math.abs(rmsDifference(a, b, w, h, 4) - sampled(a, b, w, h, 4))).toBeLessThanOrEqual(1e-12 * Math.max(1, expected));
    }
  });
});

describe('the order of an estimate\'s registrations and its pyramid pool', () => {
  it('registers every neighbour and skip-one pair once, each after both its planes are chained, with few pyramids alive', () => {
    for (const Z of [1, 2, 3, 4, 5, 11, 19, 21]) {
      for (let reference = 0; reference < Z; reference++) {
        const order = registrationOrder(Z, reference, true);
        const key = ({ from, to }: { from: number; to: number }) => `${Math.min(from, to)}-${Math.max(from, to)}`;
        const expected = [...Array.from({ length: Math.max(0, Z - 1) }, (_, i) => `${i}-${i + 1}`), ...Array.from({ length: Math.max(0, Z - 2) }, (_, i) => `${i}-${i + 2}`)];
        expect(order.map(key).sort(), `Z ${Z} reference ${reference}`).toEqual(expected.sort());
        const chained = new Set([reference]);
        const lastUse = new Map<number, number>();
        order.forEach(({ from, to }, i) => [from, to].forEach((z) => lastUse.set(z, i)));
        let alive = new Set<number>();
        let most = 0;
        order.forEach(({ from, to, skip }, i) => {
          // A is the plane nearer the reference; a neighbour pair chains `to`, a skip pair needs both chained.
          expect(Math.abs(from - reference) <= Math.abs(to - reference)).toBe(true);
          expect(chained.has(from)).toBe(true);
          if (skip) expect(chained.has(to) && Math.abs(to - from) === 2).toBe(true);
          else expect(Math.abs(to - from)).toBe(1);
          chained.add(to);
          alive = new Set([...alive, from, to]);
          most = Math.max(most, alive.size);
          alive = new Set([...alive].filter((z) => lastUse.get(z)! > i));
        });
        expect(most, `Z ${Z} reference ${reference}`).toBeLessThanOrEqual(Math.min(Z, 6));
        expect(registrationOrder(Z, reference, false).every((r) => !r.skip)).toBe(true);
      }
    }
  });

  it('builds a pyramid when first asked for, keeps it until released, and reuses released memory', () => {
    const builds: number[] = [];
    const memories: Float32Array[] = [];
    const pool = pooledPyramids(3, (z, allocate) => {
      builds.push(z);
      const memory = allocate(10);
      memory.fill(z);
      memories.push(memory);
      return { levels: [{ data: memory.subarray(0, 10), width: 5, height: 2 }], scale: 1, texture: z, border: 12 };
    });
    const first = pool.get(0);
    expect(pool.get(0)).toBe(first);
    pool.release(0);
    pool.get(1);
    expect(memories[1]).toBe(memories[0]); // plane 0's memory, handed back
    expect(pool.get(1).levels[0].data[0]).toBe(1);
    pool.get(2);
    expect(memories[2]).not.toBe(memories[1]); // plane 1 still holds its own
    expect(pool.get(0).texture).toBe(0); // built again when asked for again
    expect(builds).toEqual([0, 1, 2, 0]);
  });
});
