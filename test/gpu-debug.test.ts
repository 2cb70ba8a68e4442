import { afterAll, beforeAll, it } from 'vitest';
import { resolveOptions } from '../src/core/options.js';
import { fuseCpu } from '../src/cpu/index.js';
import type { NodeWebGpuBackend } from '../src/gpu/node-runtime.js';
import { startGpu, testStack } from './gpu-harness.js';

let gpu: NodeWebGpuBackend | undefined;
beforeAll(async () => { gpu = await startGpu(); });
afterAll(async () => { await gpu?.dispose(); });

it('debug', { timeout: 120000 }, async () => {
  const stack = testStack(129, 67, 11, { seed: 129 * 31 + 67 * 7 + 11 });
  const options = resolveOptions({ measure: 'teng', keepFocus: true });
  const c = fuseCpu(stack, options);
  const g = await gpu!.fuse(stack, options);
  const n = 129 * 67;
  let shown = 0;
  for (let i = 0; i < n && shown < 6; i++) {
    let kc = 0, kg = 0;
    for (let z = 1; z < 11; z++) { if (c.focus![z][i] > c.focus![kc][i]) kc = z; if (g.focus![z][i] > g.focus![kg][i]) kg = z; }
    if (kc !== kg) {
      shown++;
      console.log(i % 129, Math.floor(i / 129), kc, kg, Array.from({ length: 11 }, (_, z) => `${c.focus![z][i].toExponential(6)}/${g.focus![z][i].toExponential(6)}`).join(' '));
    }
  }
});
