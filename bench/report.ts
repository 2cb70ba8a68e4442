/**
 * Writes one bench report: `report.md` (the tables), one `.svg` per plot and `results.json` (every
 * number, with machine and adapter), into `<out>/<date>_<kind>_<machine>_<adapter>/`. Each file is
 * written atomically, so an interrupted run never leaves a half-written report.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/io/atomic.js';
import { machineInfo, resultsFolderName, type MachineInfo } from './machine.js';

export interface BenchReport {
  /** `metrics`, `metrics-real` or `speed`. */
  kind: string;
  /** Markdown body (tables and notes); the title, machine and plots are added here. */
  markdown: string;
  /** Plot file stem (no extension) -> SVG document. */
  plots: Record<string, string>;
  /** Everything measured, JSON-serialisable. */
  data: unknown;
  /** Adapter descriptions of the GPU backends that ran, for the folder name and header. */
  adapters: string[];
  /** Other files to write next to the report (e.g. PNG crops), name -> bytes. */
  files?: Record<string, Uint8Array>;
}

/**
 * Writes the report and returns its folder.
 * @example const dir = await writeReport('bench-results', report); // bench-results/2026-11-25_speed_2x-..._cpu
 */
export async function writeReport(out: string, report: BenchReport, machine: MachineInfo = machineInfo(), date = new Date()): Promise<string> {
  const dir = join(out, resultsFolderName(report.kind, machine, report.adapters, date));
  await mkdir(dir, { recursive: true });
  const header = [
    `# focusfuse bench ${report.kind}`,
    '',
    `${date.toISOString()} on ${machine.cores} x ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.os}, node ${machine.node}`,
    `Adapters: ${report.adapters.length ? report.adapters.join('; ') : 'none (CPU only)'}`,
    '',
  ].join('\n');
  const plots = Object.keys(report.plots).map((stem) => `![${stem}](${stem}.svg)`).join('\n\n');
  await Promise.all([
    writeFileAtomic(join(dir, 'report.md'), `${header}\n${report.markdown.trim()}\n${plots ? `\n## Plots\n\n${plots}\n` : ''}`),
    writeFileAtomic(join(dir, 'results.json'), `${JSON.stringify({ kind: report.kind, date: date.toISOString(), machine, adapters: report.adapters, ...(report.data as object) }, replacer, 2)}\n`),
    ...Object.entries(report.plots).map(([stem, svg]) => writeFileAtomic(join(dir, `${stem}.svg`), svg)),
    ...Object.entries(report.files ?? {}).map(([name, bytes]) => writeFileAtomic(join(dir, name), bytes)),
  ]);
  return dir;
}

/** JSON has no Infinity (PSNR of identical images): write it as a string instead of null. */
function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}
