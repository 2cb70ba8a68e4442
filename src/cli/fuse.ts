/**
 * `focusfuse fuse`: one Z-stack in, fused image and maps out. Order of work is fixed so bad input
 * never leaves files behind: check options and output names, load and decode every plane, fuse,
 * and only then write (atomically).
 */
import { parseArgs } from 'node:util';
import { AUTO_MAX_UNCERTAINTY_PX } from '../align/auto-gates.js';
import type { AlignmentReport } from '../align/types.js';
import { expected } from '../core/errors.js';
import { countOf } from '../core/text.js';
import { depthFallbackText } from '../core/depth-fallback-text.js';
import { isWideStack } from '../core/stack.js';
import { fusionName, resolveOptions } from '../core/options.js';
import type { AnyZStack, DepthFallback, FuseOptions, FuseResult } from '../core/types.js';
import { fuse } from '../fuse.js';
import { PLANE_ORDERS } from '../io/cccid.js';
import { outputFormatFor } from '../io/encode.js';
import { loadStack } from '../io/load-stack.js';
import { checkOutputs, checkOutputsWritable, hasOutputs, OUTPUT_FLAGS, statsDocument, writeResult, type ResultOutputs, type WriteResultOptions } from '../io/write-result.js';
import { saveAlignedPlanes } from '../io/save-aligned.js';
import { inputFilesOf } from '../io/tiff-pages.js';
import { setAlignProgress } from '../align/progress.js';
import { useGpuRuntime, type GpuRuntimeName } from '../runtimes.js';
import { commandLine } from './invocation.js';
import { choiceFlag, FUSION_FLAGS, fusionFromFlags, parseCommandArgs, pngLevelFlag, pointlessFlag, requirePngOutput, withoutAlign, type Command } from './args.js';


const FLAGS = {
  output: { type: 'string', short: 'o' },
  depth: { type: 'string' },
  confidence: { type: 'string' },
  'depth-color': { type: 'string' },
  json: { type: 'string' },
  'bit-depth': { type: 'string' },
  normalize: { type: 'boolean' },
  'png-level': { type: 'string' },
  'save-aligned': { type: 'string' },
  ...FUSION_FLAGS,
  order: { type: 'string' },
  fov: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

const HELP = `Usage: focusfuse fuse <folder | image files...> -o fused.png [options]

Fuses one Z-stack (a folder of planes, or the plane files in focal order) into an
all-in-focus image, a sub-plane depth map and a confidence map.

Input:
  A folder (its .jpg/.jpeg/.png/.tif/.tiff files, not recursive) or a list of files.
  JPEG, PNG, TIFF; 8- or 16-bit; gray, RGB or RGBA (32-bit float TIFFs are refused:
  convert them in Fiji with Image > Type > 16-bit). At most 256 planes. A multi-page
  TIFF (Fiji/ImageJ's stack export), given alone or alone in its folder, is the stack:
  page 0, 1, ... are planes 0, 1, ... (named "stack.tif page 3" in messages and the
  JSON); thumbnail pages (reduced-resolution, as cameras add) are left out; beside
  other plane files it is an error (export one file per plane). 16-bit
  planes keep their precision (on the cpu engine without --align; webgpu and
  alignment fuse them at 8 bits, with a warning; README "High bit depth").
  CCCID names <serial>_(<cx>,<cy>,<z>).jpg are ordered by z (0, 1, 2, ..., 10);
  other names by natural sort (z2 before z10). Earlier focusfuse outputs (tagged in
  their metadata) are never planes; beside CCCID planes, other images are left out
  with a warning; a mix that cannot be ordered safely is an error (README: "Which
  files are planes"). Notes and metadata in the folder (.json, .md, .txt, .csv,
  README, Thumbs.db, ...) pass quietly; any other file that is not an image is
  named in a warning. A file given twice (any spelling, or a link to it) is an error.
  --order <auto|cccid|natural|given>  plane order (default auto: cccid when every
                                      name is a CCCID name, else natural; given
                                      keeps the order of the file arguments)
  --fov <serial>_(<cx>,<cy>)          pick one field of view from a CCCID folder
                                      that holds several

Outputs (at least one):
  -o, --output <file>        all-in-focus image: .png, .jpg/.jpeg (quality 95) or .tif/.tiff;
                             grey when the planes are grey
  --depth <file.png|.tif>    depth, 16-bit gray PNG: value = round(depth * 1000), in
                             planes, plane 0 = first plane (scale 100 above 66 planes);
                             .tif: 32-bit float TIFF holding the depth in planes itself
  --confidence <file.png|.tif>  confidence, 16-bit gray PNG: value = round(confidence *
                             65535); .tif: 32-bit float TIFF
  --png-level <0-9>          zlib level of PNG outputs (default 1; lossless at any level:
                             0 writes fastest and largest, 9 smallest and slowest)
  --bit-depth <8|16|auto>    bits of the fused image (default auto: 16 when the planes
                             are 16-bit and the output is .png or .tif)
  --normalize                stretch the fused image from the stack's sample range to
                             the full 8- or 16-bit range (e.g. a 12-bit camera's 0..4095);
                             the JSON records the mapping. Default: values as fused
  --depth-color <file>       depth through the viridis colormap over the fixed range
                             0..Z-1 (plane 0 dark purple, last plane yellow)
  --json <file.json | ->     statistics, options, timings and the encodings above;
                             - writes them to stdout (the summary then goes to stderr)

Fusion:
  --fusion <v2|v1>                 preset of measure, sigma, depth mode and composite
                                   (default v2: teng, 4, histogram, select, the bench's best;
                                   v1: lapv, 3, gaussian, interpolate, version 1 byte for
                                   byte; flags given override it; docs/fusion-v2.md)
  --measure <name>                 focus measure (default teng): lapv, teng, wavelet
                                   (maths version 1), dlap, sml, glv, brenner, tenv
  --window <r>                     focus window radius, (2r+1)^2 pixels (default 4)
  --sigma <px>                     depth smoothing sigma, 0 = off (default 4)
  --composite <interpolate|nearest|pyramid|select>  blend the two nearest planes, take one,
                           blend per level of a Laplacian pyramid (seamless, sharper), or
                           select: pyramid whose finest levels take the clearly sharpest
                           plane's detail (default select)
  --depth-mode <gaussian|edge-aware|histogram>  depth smoothing: gaussian (version 1),
                                   edge-aware (halo-aware fill along image edges, falls back
                                   to one plane on contrast-inverted stacks) or histogram
                                   (local mode of the depths, keeps one of two overlapping
                                   layers; the default); docs/fusion-v2.md
  --one-plane <auto|off>           histogram depth: show one plane itself when every focus peak
                                   off it lies beside stronger focus on it (its halos: a planar
                                   target, unstained cells; auto, the default) or never (off)
  --tau <value>                    confidence noise floor (default depends on the measure)
  --backend <cpu|cpu-reference|webgpu|auto>  engine (default cpu: the fast path,
                                   WebAssembly SIMD; cpu-reference: the plain TypeScript
                                   stages it is tested against; auto = webgpu on a hardware
                                   adapter, else cpu: a software one such as SwiftShader
                                   is slower than the cpu; the summary says which; the
                                   headless runtime's is SwiftShader by its flags, so auto
                                   with it is cpu at once, --runtime node tries a GPU)
  --runtime <headless|node>        where webgpu runs in Node (default headless: headless
                                   Chromium; node: Dawn's bindings in a child process)
  --fallback <none|cpu>            when webgpu fails on this stack (device lost, out of
                                   memory, no adapter), redo it on the cpu (default none)

Alignment (see docs/alignment.md):
  --align <none|translation|similarity|affine|auto>
                             register the planes into the reference plane's frame
                             before fusing (default none; auto = similarity, applied
                             only where the motion is significant and moves the fused
                             image by more than 0.5 px RMS). Planes of different sizes
                             need an --align other than none.
  --align-reference <middle|sharpest>  reference plane (default middle)
  --crop                     crop the output to the area every aligned plane covers
  --save-aligned <dir>       with --align: also write the aligned planes (as the focus
                             measures saw them) into <dir>, one PNG per plane
  --no-match-brightness      with --align: do not match each resampled plane's brightness
                             and colour balance to the reference plane (on by default:
                             --match-brightness)
  (--align-reference, --crop, --save-aligned and --no-match-brightness without --align
   are errors: they would do nothing)

Other:
  -q, --quiet    print nothing but errors
  -h, --help     this text

Every output's folder is checked before any work, and the outputs are written all or
nothing (temp files, renamed once all are written). Bad input or an unwritable output
exits with code 2, names the file and the problem, and writes nothing. So do flags given
twice (-o a -o b) and flags that would do nothing here (--runtime or --fallback with
--backend cpu).

Examples:
  focusfuse fuse "NILM/1. Superficial-Intermediate Cells" --fov "001_(3059,11012)" -o fused.png
  focusfuse fuse stack/ -o fused.png --depth depth.png --confidence conf.png \\
      --depth-color depth-color.png --json stats.json
  focusfuse fuse z0.tif z1.tif z2.tif --order given --measure teng --window 2 -o fused.tif
  focusfuse fuse fiji-stack.tif -o fused.png --depth depth.png
  focusfuse fuse camera-12bit/ -o fused.tif --bit-depth 16 --normalize --depth depth.tif
  focusfuse fuse stack/ -o fused.png --backend webgpu --runtime headless --fallback cpu
  focusfuse fuse stack/ --json - -q | jq .stats.bestPlane`;

/** Runs fuse(), on the chosen GPU runtime when the backend asks for one, redoing it on the CPU if allowed. */
async function fuseWithRuntime(stack: Parameters<typeof fuse>[0], options: FuseOptions, runtime: GpuRuntimeName, fallback: 'none' | 'cpu', warn: (m: string) => void): Promise<FuseResult> {
  if ((options.backend ?? 'cpu').startsWith('cpu')) return fuse(stack, options);
  const closeGpu = useGpuRuntime(runtime, { warn, labels: { backend: '--backend', runtime: '--runtime' } });
  try {
    return await fuse(stack, options);
  } catch (error) {
    if (fallback !== 'cpu') throw error;
    warn(`webgpu failed on ${stack.meta?.name ?? 'the stack'} (${(error as Error).message}); redoing it on the cpu (--fallback cpu)`);
    return fuse(stack, { ...options, backend: 'cpu' });
  } finally {
    await closeGpu();
  }
}

/** Why the depth mode showed one plane everywhere (docs/fusion-v2.md). */
function depthFallbackLine(fallback: DepthFallback): string {
  const { depthMode, why, shown } = depthFallbackText(fallback);
  return `  ${depthMode} depth: ${why}, so ${shown}`;
}

/**
 * The sample depth of a 16-bit stack, for the summary (8-bit stacks, the usual JPEG planes, say nothing).
 * @example sampleDepthText(twelveBitStack) // => ', 16-bit (12 used)'
 */
function sampleDepthText(stack: AnyZStack): string {
  if (!isWideStack(stack)) return '';
  const bits = stack.bitDepth ?? 16;
  return bits === 16 ? ', 16-bit' : `, 16-bit (${bits} used)`;
}

/**
 * What fused, as --json's `options.fusion` names it: `fusion v2: teng r=4 sigma=4 select histogram`,
 * `fusion custom: ...` for a mix. The depth mode is always named (gaussian too): a mix cannot be
 * read off a preset's name.
 */
function fusionText(options: FuseResult['options']): string {
  const { measure, window, sigma, composite, depthMode, onePlane } = options;
  return `fusion ${fusionName(options)}: ${measure} r=${window} sigma=${sigma} ${composite} ${depthMode}${onePlane === 'off' ? ' (one-plane off)' : ''}`;
}

function summary(result: FuseResult, stack: AnyZStack, outputs: ResultOutputs, ms: { load: number; fuse: number; write: number }): string {
  const { options, stats: s, backend } = result;
  const engine = [backend.name, backend.runtime, backend.adapter].filter(Boolean).join(', ');
  const written = Object.values(outputs).filter(Boolean).join(', ');
  return [
    `${result.meta?.name ?? 'stack'}: ${result.width}x${result.height}, ${countOf(result.planeCount, 'plane')}${sampleDepthText(stack)}; ` +
      `${fusionText(options)} on ${engine}`,
    `  best single plane ${s.bestPlane} (of 0..${result.planeCount - 1}), mean confidence ${s.confidenceMean.toFixed(3)}, ` +
      `depth ${s.depthMean.toFixed(2)} ± ${s.depthStd.toFixed(2)} planes`,
    ...(result.alignment ? [alignmentLine(result.alignment)] : []),
    ...(result.depthFallback ? [depthFallbackLine(result.depthFallback)] : []),
    `  load ${ms.load.toFixed(0)} ms, fuse ${fuseTime(result, ms.fuse)}, write ${ms.write.toFixed(0)} ms -> ${written}`,
  ].join('\n');
}

/**
 * The fuse's time: the engine's own, and apart from it what was spent before it could start (opening
 * a WebGPU runtime to probe its adapter, with --backend auto or webgpu), so that a fusion of 60 ms is
 * not reported as the seconds a browser took to launch.
 */
function fuseTime(result: FuseResult, wallMs: number): string {
  const starting = wallMs - result.timings.total;
  const probed = result.options.backend === 'auto' || result.options.backend === 'webgpu';
  return probed && starting >= 100 ? `${result.timings.total.toFixed(0)} ms (+ ${starting.toFixed(0)} ms opening the WebGPU runtime)` : `${wallMs.toFixed(0)} ms`;
}

/** auto's steps (docs/alignment.md "auto") in a user's words. */
const DECIDED_BY: Record<NonNullable<AlignmentReport['decidedBy']>, string> = {
  glance: 'decided on a preview of the planes (luma block means), no registration needed',
  'quick-look': 'decided by a quick registration at reduced size',
  estimate: 'decided by the full registration',
};

/** One summary line on the alignment: what was applied, how far planes moved, and what it cost. */
function alignmentLine(report: AlignmentReport): string {
  const by = report.decidedBy ? `, ${DECIDED_BY[report.decidedBy]}` : '';
  const ms = `estimate ${report.timings.estimate.toFixed(0)} ms, warp ${report.timings.warp.toFixed(0)} ms`;
  // auto says why: the largest move it estimated, the standard error of that plane's registration
  // (named as such: "0.00 ± 1.31 px" read as a contradiction), and how far that moves the fused image.
  const moved = (p: AlignmentReport['planes'][number]) => p.estimatedPx ?? p.displacementPx;
  const widest = report.planes.reduce((a, b) => (moved(b) > moved(a) ? b : a));
  const u = widest.uncertaintyPx;
  const error = u === undefined ? '' : `, standard error ${u.toFixed(2)} px${u > AUTO_MAX_UNCERTAINTY_PX ? ': too uncertain to count as motion' : ''}`;
  const fused = report.fusedDisplacementPx !== undefined ? `, fused image ${report.fusedDisplacementPx.toFixed(2)} px RMS (threshold ${report.thresholdPx})` : '';
  const why = `largest move ${moved(widest).toFixed(2)} px (plane ${widest.plane}${error})${fused}`;
  if (!report.applied) return `  align ${report.mode}: nothing applied, ${why}${by} (${ms})`;
  return `  align ${report.mode}: applied, reference plane ${report.reference}, ${why}${by} (${ms})`;
}

/**
 * This command with its inputs replaced by one multi-page TIFF, for the error that refuses the TIFF
 * among other planes: --fov and --order, which pick and order plane files, are left out too.
 * @example aloneCommand(['vw/d', '-o', 'x.png'], 'vw/d/cells.tif') // => 'node dist/cli.js fuse vw/d/cells.tif -o x.png'
 */
function aloneCommand(argv: string[], tiff: string): string {
  const { tokens } = parseArgs({ args: argv, options: FLAGS, allowPositionals: true, strict: false, tokens: true });
  const dropped = new Set<number>();
  for (const token of tokens) {
    if (token.kind !== 'option') dropped.add(token.index); // inputs and a `--`
    else if (token.name === 'fov' || token.name === 'order') {
      dropped.add(token.index);
      if (token.value !== undefined && !token.inlineValue) dropped.add(token.index + 1);
    }
  }
  return commandLine(['fuse', tiff, ...argv.filter((_, i) => !dropped.has(i))]);
}

async function run(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(argv, FLAGS);
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length === 0) expected('a folder or image files', 'input', undefined);
  // `--json -`: the stats document goes to stdout, so nothing else may (the summary goes to stderr).
  const jsonToStdout = v.json === '-';
  const outputs: ResultOutputs = {
    fused: v.output,
    depth: v.depth,
    confidence: v.confidence,
    depthColor: v['depth-color'],
    json: jsonToStdout ? undefined : v.json,
  };
  if (!jsonToStdout && !hasOutputs(outputs) && v['save-aligned'] === undefined) {
    expected('at least one output (-o, --depth, --confidence, --depth-color or --json)', 'outputs', undefined);
  }
  const { options: fuseOptions, runtime, fallback } = fusionFromFlags(v, 'cpu');
  // Validate everything cheap before touching a single image.
  const resolved = resolveOptions(fuseOptions);
  checkOutputs(outputs, [], OUTPUT_FLAGS);
  await checkOutputsWritable(outputs);
  const order = choiceFlag('--order', PLANE_ORDERS, v.order, 'auto');
  const pngLevel = pngLevelFlag(v['png-level']);
  const bitDepthFlag = choiceFlag('--bit-depth', ['8', '16', 'auto'], v['bit-depth'], 'auto');
  const bitDepth = bitDepthFlag === 'auto' ? 'auto' : (Number(bitDepthFlag) as 8 | 16);
  if (bitDepth === 16 && outputs.fused && outputFormatFor(outputs.fused) === 'jpeg') {
    expected('a .png or .tif output for --bit-depth 16 (JPEG holds 8 bits)', '-o/--output', outputs.fused);
  }
  if (v['save-aligned'] !== undefined && resolved.align === 'none') pointlessFlag('--save-aligned', withoutAlign(v.align));
  requirePngOutput(pngLevel, outputs, 'without a .png output');
  if (!outputs.fused) {
    const noFused = "without -o/--output: it is about the fused image (the depth and confidence maps' encodings are fixed); add -o, or leave the flag out";
    if (v['bit-depth'] !== undefined) pointlessFlag('--bit-depth', noFused);
    if (v.normalize) pointlessFlag('--normalize', noFused);
  }

  const warnings: string[] = [];
  const onWarning = (message: string) => {
    warnings.push(message);
    if (!v.quiet) console.error(`focusfuse: warning: ${message}`);
  };
  const started = performance.now();
  const stack = await loadStack(positionals.length === 1 ? positionals[0] : positionals, {
    order,
    fov: v.fov,
    onWarning,
    allowMixedSizes: resolved.align !== 'none',
    highBitDepth: true,
    // Fused in this thread: the planes may stay in the decoder's memory (one copy less).
    transferable: false,
    fuseAlone: (tiff) => aloneCommand(argv, tiff),
  });
  checkOutputs(outputs, inputFilesOf(stack.meta), OUTPUT_FLAGS);
  const loaded = performance.now();
  // Long alignments show how far they are, per registered plane, on a terminal only.
  const progress = !v.quiet && process.stderr.isTTY && resolved.align !== 'none';
  if (progress) setAlignProgress((done, total) => process.stderr.write(`\r  aligning: ${done}/${total} registrations${done === total ? '\n' : ''}`));
  const result = await fuseWithRuntime(stack, fuseOptions, runtime, fallback, onWarning).finally(() => setAlignProgress(undefined));
  result.meta ??= stack.meta;
  result.alignment?.warnings.forEach(onWarning);
  if (isWideStack(stack) && !result.image16) {
    onWarning(`${stack.meta?.name ?? 'the stack'}: its 16-bit planes were fused at 8 bits (${result.backend.name === 'webgpu' ? 'the webgpu engine takes' : 'alignment resamples'} 8-bit planes; --backend cpu without --align keeps 16 bits)`);
  }
  const fused = performance.now();
  const ms = { load: loaded - started, fuse: fused - loaded, write: 0 };
  const recorded: WriteResultOptions = { warnings, timings: { load: ms.load }, bitDepth, normalize: v.normalize, pngLevel, labels: OUTPUT_FLAGS };
  // `--json -` or --save-aligned alone write no result file.
  if (hasOutputs(outputs)) await writeResult(result, outputs, recorded);
  if (v['save-aligned'] !== undefined) {
    if (result.aligned) await saveAlignedPlanes(result.aligned, v['save-aligned']);
    else onWarning(`--save-aligned: this engine (${result.backend.name}) does not hand the aligned planes back; use --backend cpu`);
  }
  ms.write = performance.now() - fused;
  if (jsonToStdout) process.stdout.write(`${JSON.stringify(statsDocument(result, outputs, recorded), null, 2)}\n`);
  if (!v.quiet) (jsonToStdout ? console.error : console.log)(summary(result, stack, { ...outputs, json: jsonToStdout ? '(stdout)' : outputs.json }, ms));
  return 0;
}

export const fuseCommand: Command = {
  name: 'fuse',
  summary: 'fuse one Z-stack (folder or files) into an all-in-focus image, depth and confidence maps',
  help: HELP,
  run,
};
