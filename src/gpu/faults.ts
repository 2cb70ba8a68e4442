/**
 * GPU faults as FocusFuseErrors (code BACKEND) that name the stacks they hit, so a batch log says
 * which field of view failed and why: device lost, out of memory, validation or shader errors.
 */
import { FocusFuseError } from '../core/errors.js';

/** `a`, `a, b`, or `a, b and 3 more`: the stacks in one submission. */
export function stackNames(names: string[]): string {
  const shown = names.slice(0, 2).join(', ');
  return names.length > 2 ? `${shown} and ${names.length - 2} more` : shown;
}

/**
 * @example throw gpuFault(['NILM/001'], 'ran out of GPU memory', error.message)
 * // FocusFuseError: NILM/001: WebGPU ran out of GPU memory: ...
 */
export function gpuFault(names: string[], what: string, detail?: string): FocusFuseError {
  return new FocusFuseError('BACKEND', `WebGPU ${what}${detail ? `: ${detail}` : ''}`, stackNames(names));
}

/** The message of anything thrown or rejected. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Describes a GPUError from an error scope. */
export function describeGpuError(error: GPUError): string {
  const kind = error.constructor?.name === 'GPUOutOfMemoryError' ? 'ran out of GPU memory' : 'reported an error';
  return `${kind} (${error.message.trim() || error.constructor?.name})`;
}
