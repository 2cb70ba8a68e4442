/** Machine and adapter information recorded with every bench result, and the results folder name. */
import { cpus, totalmem, platform, release, arch } from 'node:os';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
}

/**
 * What the bench ran on.
 * @example machineInfo() // { cpu: 'AMD EPYC 7B13', cores: 2, memoryGiB: 8, os: 'linux 6.1 x64', node: 'v20.19.0' }
 */
export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpu: (list[0]?.model ?? 'unknown cpu').replace(/\s+/g, ' ').trim(),
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
  };
}

const slug = (s: string) => s.replace(/\(r\)|\(tm\)|cpu|processor|@.*$/gi, '').trim().replace(/[^A-Za-z0-9.]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'unknown';

/**
 * `webgpu (node dawn ..., google swiftshader (...), software)` -> `node-google-swiftshader-...`: the
 * runtime's first word and the adapter, the two things a reader of a folder listing needs.
 */
function adapterSlug(description: string): string {
  const inner = /\((.*)\)\s*$/.exec(description)?.[1] ?? description;
  const [runtime, adapter = ''] = inner.split(', ');
  return slug(`${runtime.split(' ')[0]} ${adapter}`);
}

/**
 * Results folder name: date, machine and adapter, e.g. `2026-11-25_metrics_2x-AMD-EPYC-7B13_cpu`.
 * @param adapters backend descriptions of the GPU backends that ran, as describe() gives them (none: `cpu`).
 * @example resultsFolderName('speed', machineInfo(), ['SwiftShader Device'], new Date())
 */
export function resultsFolderName(kind: string, machine: MachineInfo, adapters: readonly string[], date = new Date()): string {
  const day = date.toISOString().slice(0, 10);
  const adapter = adapters.length === 0 ? 'cpu' : adapters.map(adapterSlug).join('+');
  return `${day}_${kind}_${machine.cores}x-${slug(machine.cpu)}_${adapter}`;
}
