/**
 * Which engine fused each measure, for the bench tables. Backend `cpu` runs lapv and teng on the
 * wasm simd fast path and every other measure on the TypeScript stages, so one backend's ms column
 * mixes two engines: the tables name the engine per measure, so that a reader does not compare a
 * fast-path time with a reference one unknowingly.
 */
import type { FuseResult } from '../src/core/types.js';

/**
 * The engine that fused a result: the CPU's runtime ('wasm simd' or 'TypeScript stages'), the GPU's
 * runtime, or the backend's name when it gives none.
 * @example engineOf(await fuse(stack, { measure: 'brenner' })) // 'TypeScript stages'
 */
export function engineOf(result: Pick<FuseResult, 'backend'>): string {
  return result.backend.runtime ?? result.backend.name;
}

/**
 * The note under a timing table whose measures ran on more than one engine (none when one engine
 * ran them all): which measures each engine ran.
 * @example enginesNote({ lapv: 'wasm simd', brenner: 'TypeScript stages' })
 * // ['Engines differ: wasm simd ran lapv; TypeScript stages ran brenner. Compare ms only within one engine.']
 */
export function enginesNote(engines: Record<string, string>): string[] {
  const byEngine = new Map<string, string[]>();
  for (const [measure, engine] of Object.entries(engines)) byEngine.set(engine, [...(byEngine.get(engine) ?? []), measure]);
  if (byEngine.size < 2) return [];
  const parts = [...byEngine].map(([engine, measures]) => `${engine} ran ${measures.join(', ')}`);
  return [`Engines differ: ${parts.join('; ')}. Compare ms only within one engine.`];
}
