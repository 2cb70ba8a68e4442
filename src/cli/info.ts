/**
 * `focusfuse info`: what each runtime would run on here — the machine, and for each WebGPU runtime
 * its adapter (vendor, architecture, device, software or not, limits) or why there is none.
 */
import { cpus, totalmem } from 'node:os';
import type { AdapterDescription } from '../gpu/adapter.js';
import { probeNodeWebGpu } from '../gpu/node-runtime.js';
import { probeHeadless } from '../headless/runtime.js';
import { parseCommandArgs, type Command } from './args.js';
import { cpuBackend, initFastCpu } from '../cpu/backend.js';

const HELP = `Usage: focusfuse info [--json]

Lists what focusfuse can run on here: the CPU, and the WebGPU adapter that each
runtime finds (headless Chromium; Dawn in Node), with its limits, or why none was found.

  --json     print the same as JSON

Examples:
  focusfuse info
  focusfuse info --json > adapters.json`;

function adapterLines(adapter: AdapterDescription): string[] {
  const l = adapter.limits;
  return [
    `  adapter: ${adapter.summary}`,
    `  vendor ${adapter.vendor || '?'}, architecture ${adapter.architecture || '?'}, device ${adapter.device || '?'}${adapter.description ? `, ${adapter.description}` : ''}`,
    `  software: ${adapter.software ? 'yes (slower than the cpu engine: backend auto fuses on the cpu)' : 'no'}, timestamp queries: ${adapter.timestamps ? 'yes' : 'no'}`,
    `  limits: maxBufferSize ${l.maxBufferSize}, maxStorageBufferBindingSize ${l.maxStorageBufferBindingSize}, ` +
      `workgroup storage ${l.maxComputeWorkgroupStorageSize} B, invocations/workgroup ${l.maxComputeInvocationsPerWorkgroup}`,
  ];
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { json: { type: 'boolean' } });
  const [headless, node] = [await probeHeadless(), await probeNodeWebGpu()];
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version };
  if (values.json) {
    console.log(JSON.stringify({ machine, runtimes: { cpu: { available: true }, headless, node } }, null, 2));
  } else {
    await initFastCpu();
    const lines = [`machine: ${machine.cpus} x ${machine.cpu}, ${machine.memoryGiB} GiB, node ${machine.node}`, '', `cpu: available (fast path: ${cpuBackend.describe()}; cpu-reference: the TypeScript reference engine)`];
    for (const [name, probe] of [['headless (Chromium)', headless], ['node (Dawn)', node]] as const) {
      lines.push('', `${name}:`);
      if ('error' in probe) lines.push(`  not available: ${probe.error}`);
      else lines.push(...('browser' in probe ? [`  browser: ${probe.browser}`] : []), ...('runtime' in probe ? [`  runtime: ${probe.runtime}`] : []), ...adapterLines(probe));
    }
    console.log(lines.join('\n'));
  }
  return 'error' in headless && 'error' in node ? 3 : 0;
}

export const infoCommand: Command = {
  name: 'info',
  summary: "list the WebGPU adapter each runtime finds (or why none), and the machine's CPU",
  help: HELP,
  run,
};
