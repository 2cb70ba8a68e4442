/**
 * `focusfuse batch`: every FOV of a CCCID tree, fused into a mirrored output tree with a manifest.
 * Exit codes: 0 every selected FOV fused, 3 some FOV failed, 2 bad options, a missing dataset folder
 * or nothing selected, 130 stopped by Ctrl-C, 143 by SIGTERM (rerun with --resume to finish). Files in the tree that
 * are not part of any FOV are one warning line (details in the manifest), never a failure.
 */
import { runBatch, type BatchSummary } from '../batch/run.js';
import { DEFAULT_OUTPUT_KINDS, fovOutputs, IMAGE_FORMATS, parseOutputKinds } from '../batch/layout.js';
import { unplacedImages } from '../batch/manifest.js';
import { createProgress, summaryText } from '../batch/progress.js';
import { parseShard } from '../batch/select.js';
import { expected, FocusFuseError } from '../core/errors.js';
import { choiceFlag, FUSION_FLAGS, fusionFromFlags, integerFlag, numberFlag, OPTION_FLAGS, parseCommandArgs, pngLevelFlag, requirePngOutput, type Command } from './args.js';
import { commandLine } from './invocation.js';
import { onStopSignals } from './stop-signals.js';

const FLAGS = {
  out: { type: 'string', short: 'o' },
  ...FUSION_FLAGS,
  concurrency: { type: 'string' },
  'gpu-batch': { type: 'string' },
  threads: { type: 'string' },
  resume: { type: 'boolean' },
  only: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  'json-summary': { type: 'boolean' },
  shard: { type: 'string' },
  outputs: { type: 'string' },
  format: { type: 'string' },
  'png-level': { type: 'string' },
  planes: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

/** The flag of each setting, so a refused --resume names what the user typed (--depth-mode, not depthMode). */
const SETTING_FLAGS = {
  ...OPTION_FLAGS,
  outputs: '--outputs',
  format: '--format',
  runtime: '--runtime',
  concurrency: '--concurrency',
  cpuThreads: '--threads',
  gpuBatch: '--gpu-batch',
  pngLevel: '--png-level',
  out: '--out',
  resume: '--resume',
} satisfies Record<string, `--${keyof typeof FLAGS}`>;

const HELP = `Usage: focusfuse batch <dataset> --out <dir> [options]

Fuses every field of view (FOV) of a CCCID tree
  <dataset>/<CLASS>/<subtype>/<serial>_(<cx>,<cy>,<z>).jpg
into <dir>/<CLASS>/<subtype>/<serial>_(<cx>,<cy>).<kind>.<ext>, with one row per FOV
in <dir>/manifest.csv and <dir>/manifest.json. Bad FOVs are reported (manifest,
summary) and the rest fused. Class and subtype folders may be symbolic links.
See docs/batch.md.

Selection:
  --only <glob>            FOVs whose <CLASS>/<subtype>/<serial>_(<cx>,<cy>) matches
                           (* ? within a part, ** across, {a,b}); a glob of fewer parts
                           takes whole folders: --only HSIL, --only 'NILM/2. *'. Repeatable
  --exclude <glob>         leave out files, folders or FOVs quietly (not reported): without a
                           slash it matches a name at any level (--exclude _truth,
                           --exclude '*.txt'), with one it matches from the root. Repeatable
  --shard <i/n>            shard i (0-based) of n: FOV j of the sorted list goes to
                           shard j mod n; writes manifest.shard-<i>-of-<n>.{csv,json};
                           join them with focusfuse manifest merge <dir>
  --planes <n>             planes every FOV must have (default: the most common count)

Outputs:
  --outputs <list>         any of fused,depth,confidence,depth-color,json
                           (default fused,depth,confidence,json)
  --format <png|jpeg|tiff> fused and depth-color images (default png; the depth and
                           confidence maps are always 16-bit PNG)
  --png-level <0-9>        zlib level of PNG outputs (default 1; lossless at any level:
                           0 writes fastest and largest, 9 smallest and slowest)
  --resume                 keep the FOVs a previous run into <dir> finished; refused (exit 2)
                           when it ran with other fusion options, outputs or format

Fusion (as focusfuse fuse):
  --fusion <v2|v1>  preset (default v2 = teng, sigma 4, histogram, select; v1 = version 1)
  --measure <lapv|teng|wavelet|dlap|sml|glv|brenner|tenv>  --window <r>  --sigma <px>  --tau <value>
  --composite <interpolate|nearest|pyramid|select>  --depth-mode <gaussian|edge-aware|histogram>
  --one-plane <auto|off>   histogram depth: a FOV whose other planes hold only one plane's
                           halos shows that plane (auto, default) or never (off)
  --align <none|translation|similarity|affine|auto>  register each FOV's planes first (default
                           none; auto only where they move; see docs/alignment.md); the
                           manifest records the transforms
  --align-reference <middle|sharpest>  --crop  --no-match-brightness  (only with --align:
                           errors without it)
  --backend <auto|webgpu|cpu>    default auto: webgpu when a runtime starts on a hardware
                                 adapter, else cpu (software adapters are slower than it).
                                 The headless runtime's adapter is SwiftShader by its flags:
                                 auto is cpu at once. With --runtime node it is started to
                                 check (said in the progress, timed apart from the rate)
  --runtime <headless|node>      GPU runtime, launched once per run (default headless)
  --fallback <none|cpu>          redo on the cpu what webgpu fails on (default none)

Throughput:
  --concurrency <n>        FOVs decoded ahead and written behind at once (default 4)
  --gpu-batch <n>          stacks per GPU job (default 8)
  --threads <n>            cpu fusion worker threads (default: the core count; 0 = fuse
                           on the main thread)

Other:
  -q, --quiet              only the summary and errors
  --json-summary           print the run's summary as one JSON object on stdout (counts,
                           failed FOVs, manifest paths); everything else goes to stderr
  -h, --help               this text

Files in the tree that are not part of any FOV (notes, thumbnails, a truth folder) are
one warning line with a count; manifest.json "problems" lists them with the reasons
(with --only: those inside the selection; the others are only counted). An earlier
batch output inside <dataset> (a folder holding its manifest.json) is left out with a note.

Exit code: 0 every selected FOV fused; 3 some FOV failed; 2 bad options, no dataset
folder, or no FOV selected (the message says why); 130 stopped by Ctrl-C (143 by
SIGTERM): rerun the same command with --resume, as the last line says.

Examples:
  focusfuse batch /data/CCCID --out /data/fused --resume
  focusfuse batch /data/CCCID --out /data/fused --only HSIL --backend cpu --outputs fused,json
  focusfuse batch /data/CCCID --out /shared/fused --shard 3/8 --resume   # shard 3 of 0..7, one per worker
  focusfuse manifest merge /shared/fused                                  # once all 8 shards are done`;

/** The same command line with --resume, as the user started the CLI, for the "how to finish" hint. */
function resumeCommand(argv: string[]): string {
  return commandLine(['batch', ...argv, ...(argv.includes('--resume') ? [] : ['--resume'])]);
}

/** `--json-summary`: what a pipeline needs from a run, as one JSON object. */
function jsonSummary(summary: BatchSummary, out: string, exitCode: number) {
  return {
    exitCode,
    out,
    manifest: { json: summary.manifest.find((p) => p.endsWith('.json')), csv: summary.manifest.find((p) => p.endsWith('.csv')) },
    selected: summary.selected,
    fused: summary.fused,
    resumed: summary.resumed,
    failed: summary.failed,
    notReached: summary.notReached,
    interrupted: summary.interrupted,
    notPartOfAnyFov: summary.problems.length,
    /** Of those, images that could be planes but no FOV takes (misnamed or misplaced): left unfused. */
    unplacedImages: unplacedImages(summary.problems),
    /** With --only: those elsewhere in the tree, counted, not listed. */
    notPartOfAnyFovOutsideSelection: summary.problemsOutside,
    elapsedMs: Math.round(summary.elapsedMs),
    engine: summary.engine,
    failures: summary.rows.filter((r) => r.status === 'error').map((r) => ({ fov: r.fov, error: r.error })),
  };
}

async function run(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(argv, FLAGS);
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length > 1) throw new FocusFuseError('BAD_OPTION', `Expected one dataset folder but received ${positionals.length}: ${positionals.map((p) => `'${p}'`).join(', ')}`);
  if (positionals.length === 0) expected('a dataset folder', 'focusfuse batch', undefined);
  if (!v.out) expected('an output folder', '--out', undefined);
  const { options: fuse, runtime, fallback } = fusionFromFlags(v, 'auto');
  const shard = v.shard === undefined ? undefined : parseShard(v.shard);
  const planes = integerFlag('--planes', v.planes, 1);
  const outputs = v.outputs === undefined ? undefined : parseOutputKinds(v.outputs);
  const format = choiceFlag('--format', IMAGE_FORMATS, v.format, 'png');
  const pngLevel = pngLevelFlag(v['png-level']);
  // Any FOV's outputs have the same formats: one stands for all.
  const kinds = outputs ?? DEFAULT_OUTPUT_KINDS;
  const sample = fovOutputs('.', { className: 'C', subtype: 's', key: 'k' }, kinds, format);
  requirePngOutput(pngLevel, sample, `with --format ${format} and --outputs ${kinds.join(',')}, which write no PNG (the depth and confidence maps would)`);

  const stop = onStopSignals({ resumeHint: () => resumeCommand(argv) });
  const progress = v.quiet ? undefined : createProgress({ label: shard ? `shard ${shard.index}/${shard.count}` : undefined });
  const warn = (message: string) => console.error(`focusfuse: warning: ${message}`);
  try {
    const summary = await runBatch({
      root: positionals[0],
      out: v.out,
      fuse,
      runtime,
      fallback,
      concurrency: numberFlag('--concurrency', v.concurrency),
      gpuBatch: numberFlag('--gpu-batch', v['gpu-batch']),
      cpuThreads: numberFlag('--threads', v.threads),
      resume: v.resume,
      labels: SETTING_FLAGS,
      only: v.only,
      exclude: v.exclude,
      shard,
      outputs,
      format,
      pngLevel,
      planes,
      signal: stop.signal,
      onProgress: (p) => progress?.update(p),
      warn,
      // Notes (which engine auto chose and why, a GPU job redone stack by stack): not with -q.
      log: v.quiet ? undefined : (line) => console.error(`focusfuse: ${line}`),
    });
    progress?.stop();
    console.error(summaryText(summary));
    const code = summary.interrupted ? (stop.exitCode() ?? 130) : summary.failed > 0 ? 3 : 0;
    if (v['json-summary']) console.log(JSON.stringify(jsonSummary(summary, v.out, code)));
    if (summary.interrupted) console.error(`focusfuse: stopped; finished FOVs are kept. To finish the job run:\n  ${resumeCommand(argv)}`);
    return code;
  } finally {
    progress?.stop();
    stop.dispose();
  }
}

export const batchCommand: Command = {
  name: 'batch',
  summary: 'fuse every field of view of a CCCID dataset tree, with a manifest (resumable, shardable)',
  help: HELP,
  run,
};
