/**
 * Batch progress on stderr: a bar with counts, rate and ETA on a terminal; a plain line every few
 * seconds otherwise (CI, logs, Kubernetes); and the end-of-run summary.
 */
import cliProgress from 'cli-progress';
import { countOf } from '../core/text.js';
import type { BatchProgress, BatchSummary } from './run.js';

export interface ProgressReporter {
  update(progress: BatchProgress): void;
  stop(): void;
}

export interface ProgressOptions {
  /** Draw a bar (a terminal) or print lines. Default: whether the stream is a TTY. */
  tty?: boolean;
  /** Seconds between plain lines. Default 10. */
  everySeconds?: number;
  stream?: NodeJS.WriteStream;
  /** Label in front of each line, e.g. the shard. */
  label?: string;
}

/**
 * Seconds as `1h 02m`, `3m 05s` or `42s`.
 * @example formatDuration(185) // => '3m 05s'
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * A progress reporter for a batch run.
 * @example const progress = createProgress({ label: 'shard 2/8' }); runBatch({ ..., onProgress: (p) => progress.update(p) });
 */
export function createProgress(options: ProgressOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? Boolean(stream.isTTY);
  const label = options.label ? `${options.label}: ` : '';
  // The rate counts from the last call with nothing done yet (runBatch makes it once its engine is
  // open), not from a WebGPU check before it (p.starting).
  let started = performance.now();
  const restart = (p: BatchProgress) => p.done === 0 && (started = performance.now());
  const rate = (done: number) => done / Math.max(1e-3, (performance.now() - started) / 1000);
  // Our own ETA: cli-progress prints its 'INF' for "unknown" cut to 'NFs'.
  const eta = (p: BatchProgress) => (p.done > 0 ? formatDuration((p.total - p.done) / rate(p.done)) : '?');
  if (tty) {
    const bar = new cliProgress.SingleBar(
      { stream, format: `${label}{bar} {value}/{total} FOVs | {rate} FOV/s | ETA {remaining} | failed {failed}`, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let barStarted = false;
    let stopped = false;
    return {
      update(p) {
        if (stopped) return;
        // Before the bar: what takes the first seconds (launching a browser to check for a GPU).
        if (p.starting) return void stream.write(`${label}${p.starting}...\n`);
        // Nothing left to fuse (a resumed run that had finished): no "0/0" bar; the summary says it.
        if (p.total === 0) return;
        restart(p);
        if (!barStarted) {
          bar.start(p.total, p.done, { rate: '0.0', failed: p.failed, remaining: '?' });
          barStarted = true;
        }
        bar.update(p.done, { rate: rate(p.done).toFixed(1), failed: p.failed, remaining: eta(p) });
      },
      // Once: the CLI stops it before its summary and again on the way out (after Ctrl-C too).
      stop() {
        if (barStarted && !stopped) bar.stop();
        stopped = true;
      },
    };
  }
  const every = (options.everySeconds ?? 10) * 1000;
  let last = -Infinity;
  let latest: BatchProgress | undefined;
  const print = (p: BatchProgress) => {
    stream.write(`${label}${p.done}/${p.total} FOVs, ${p.failed} failed, ${rate(p.done).toFixed(1)} FOV/s, ETA ${eta(p)}\n`);
    last = performance.now();
  };
  let stopped = false;
  return {
    update(p) {
      if (stopped) return;
      if (p.starting) return void stream.write(`${label}${p.starting}...\n`);
      if (p.total === 0) return;
      restart(p);
      latest = p;
      if (performance.now() - last >= every || p.done === p.total) print(p);
    },
    // Once: the CLI stops it before its summary and again on the way out (after Ctrl-C too).
    stop() {
      if (!stopped && latest && latest.done !== latest.total) print(latest);
      stopped = true;
    },
  };
}

/**
 * The one line on everything in the tree that is not part of a FOV (the scan's problems), or ''.
 * The details are in manifest.json "problems": a tree with a notes folder or thumbnails must not
 * bury the run's outcome under hundreds of lines.
 * @example problemsLine(summary) // => "12 files or folders in the tree are not part of any FOV and were left out (2 images among them, e.g. 'NILM/1. A/IMG_1.jpg'): ..."
 */
export function problemsLine(summary: Pick<BatchSummary, 'problems' | 'manifest'> & Partial<Pick<BatchSummary, 'problemsOutside'>>): string {
  const { problems } = summary;
  const outside = summary.problemsOutside ?? 0;
  // --only: what lies elsewhere in the tree is counted, not listed (it is not this run's concern).
  const elsewhere = outside > 0 ? `${countOf(outside, 'file or folder', 'files or folders')} outside the --only selection ${outside === 1 ? 'is' : 'are'} not part of any FOV either (not listed)` : '';
  if (problems.length === 0) return elsewhere;
  const images = problems.filter((p) => p.level === 'error');
  const example = images[0] ?? problems[0];
  const kinds = images.length > 0 ? `${countOf(images.length, 'image')} among them, e.g. '${example.path}'` : `e.g. '${example.path}'`;
  const where = summary.manifest.find((path) => path.endsWith('.json')) ?? 'manifest.json';
  return (
    `${countOf(problems.length, 'file or folder', 'files or folders')} in the ${outside > 0 ? 'selection' : 'tree'} ${problems.length === 1 ? 'is' : 'are'} not part of any FOV and ` +
    `${problems.length === 1 ? 'was' : 'were'} left out (${kinds}): listed with the reasons in ${where} "problems"; --exclude GLOB leaves them out quietly` +
    (elsewhere ? `; ${elsewhere}` : '')
  );
}

/**
 * The first line of the end-of-run summary: the counts (skipped ones only when resuming or when
 * there are some), time, rate and engine. The rate is over the fusing, not over a WebGPU runtime's
 * start before it, which is named apart (with backend auto it is a check for a GPU that can take
 * longer than a small run's fusing).
 * @example outcomeLine(summary) // => '8 FOVs: 8 fused, 0 failed in 1.4s (5.70 FOV/s) on cpu (wasm simd), 2 worker threads'
 * @example outcomeLine(resumedSummary) // => '8 FOVs: 0 fused, 0 failed, 8 skipped (done before, --resume); nothing left to fuse'
 */
export function outcomeLine(summary: BatchSummary): string {
  const counts = [
    `${summary.fused} fused`,
    `${summary.failed} failed`,
    ...(summary.resume || summary.resumed > 0 ? [`${summary.resumed} skipped (done before, --resume)`] : []),
    ...(summary.notReached > 0 ? [`${summary.notReached} not reached`] : []),
  ].join(', ');
  const head = `${countOf(summary.selected, 'FOV')}: ${counts}`;
  if (summary.fused + summary.failed === 0 && summary.notReached === 0) return `${head}; nothing left to fuse`;
  const fusingMs = summary.elapsedMs - summary.engineStartMs;
  const rate = `${(summary.fused / Math.max(fusingMs / 1000, 1e-3)).toFixed(2)} FOV/s`;
  // Under 0.1 s it is not worth a word: the rate barely moves.
  const start = summary.engineStart && summary.engineStartMs >= 100 ? `; before that ${shortDuration(summary.engineStartMs)} ${summary.engineStart}` : '';
  return `${head} in ${shortDuration(summary.elapsedMs)} (${rate}${start}) on ${summary.engine}`;
}

/** Milliseconds as `1.7s` under 10 s (a small run's seconds matter), else as formatDuration. */
function shortDuration(ms: number): string {
  return ms < 9950 ? `${(ms / 1000).toFixed(1)}s` : formatDuration(ms / 1000);
}

/**
 * The end-of-run summary: the outcome line, the failed FOVs with their reasons, one line on the
 * files that are not part of any FOV, and the manifest's path.
 * @example console.error(summaryText(summary));
 */
export function summaryText(summary: BatchSummary, options: { maxListed?: number } = {}): string {
  const max = options.maxListed ?? 20;
  const lines = [outcomeLine(summary)];
  const failures = summary.rows.filter((r) => r.status === 'error');
  if (failures.length > 0) {
    lines.push(`failed FOVs:`);
    // Most reasons already start with the FOV or file they are about.
    for (const row of failures.slice(0, max)) lines.push(`  ${row.error.startsWith(row.fov) ? row.error : `${row.fov}: ${row.error}`}`);
    if (failures.length > max) lines.push(`  ... and ${failures.length - max} more (see the manifest)`);
  }
  const problems = problemsLine(summary);
  if (problems) lines.push(`warning: ${problems}`);
  lines.push(`manifest: ${summary.manifest.join(', ')}`);
  return lines.join('\n');
}
