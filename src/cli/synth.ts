/**
 * `focusfuse synth`: writes deterministic synthetic cytology Z-stacks in the CCCID layout, with
 * ground truth, for tests, demos and the bench.
 */
import { resolve } from 'node:path';
import { expected } from '../core/errors.js';
import { MAX_PLANES } from '../core/options.js';
import { MAX_SYNTH_SIZE, SYNTH_DEFAULTS } from '../synth/generate.js';
import { SYNTH_SCENES, type SynthScene } from '../synth/halo-scenes.js';
import { oneOf } from '../core/options.js';
import { MANIFEST_NAME, TRUTH_FOLDER } from '../synth/layout.js';
import { MAX_SYNTH_FOVS, writeSynthTree, type SynthTreeOptions } from '../synth/write-tree.js';
import { integerFlag, parseCommandArgs, rangeFlag, type Command } from './args.js';
import { countOf } from '../core/text.js';

const FLAGS = {
  out: { type: 'string', short: 'o' },
  n: { type: 'string' },
  seed: { type: 'string' },
  size: { type: 'string' },
  planes: { type: 'string' },
  quality: { type: 'string' },
  noise: { type: 'string' },
  defocus: { type: 'string' },
  tilt: { type: 'string' },
  scene: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

const HELP = `Usage: focusfuse synth --out <folder> [--n N] [--seed S] [options]

Writes N synthetic Pap-stained cytology Z-stacks (cells with translucent cytoplasm,
dark textured nuclei, clusters and overlaps at different, fractional depths, a
tilted slide, defocus blur growing away from focus, sensor noise, JPEG planes) in
the exact CCCID layout, with ground truth next to them:

  <out>/<CLASS>/<NN. Subtype>/<serial>_(<cx>,<cy>,<z>).jpg     z = 0..planes-1, unpadded
  <out>/${TRUTH_FOLDER}/<CLASS>/<NN. Subtype>/<serial>_(<cx>,<cy>).aif.png    all-in-focus RGB
                                          ... .depth.png  16-bit gray, round(true depth in planes * 1000)
                                          ... .mask.png   255 = object, 0 = background
  <out>/${MANIFEST_NAME}   every FOV: class, subtype, serial, cx, cy, files, truth files, options

FOVs are dealt over the four classes (NILM, LSIL, HSIL, SCC_etc) and their subtypes.
Output is deterministic: the same seed and options give the same bytes, and FOV i of
a seed is the same whatever --n is.

Options:
  -o, --out <folder>     output folder: new, empty, or an earlier synth output (required)
  --n <count>            number of fields of view (default 1)
  --seed <integer>       run seed (default 1)
  --size <px>            image side (default ${SYNTH_DEFAULTS.size})
  --planes <count>       focal planes per stack, 1 um apart (default ${SYNTH_DEFAULTS.planes})
  --quality <1..100>     JPEG quality of the planes (default 90, 4:2:0 chroma)
  --noise <levels>       sensor noise sigma in 8-bit levels (default ${SYNTH_DEFAULTS.noise})
  --defocus <px>         blur sigma growth per plane away from focus (default ${SYNTH_DEFAULTS.defocus})
  --tilt <planes>        slide tilt: depth difference across the field (default ${SYNTH_DEFAULTS.tilt})
  --scene <name>         what is on the slide (default ${SYNTH_DEFAULTS.scene}); scenes that make focus-
                         stacking halos: chart (bars and glyphs with flat gaps wider than the
                         blur, on the tilted surface; all of it is object), nuclei (dark nuclei
                         several planes thick on pale sheets), overlap (dense overlapping cells)
  -q, --quiet            print nothing but errors
  -h, --help             this text

It never overwrites user data: a non-empty folder without a ${MANIFEST_NAME} from an
earlier run is refused, and re-running only replaces or removes files that run listed
(it says how many of that run's FOVs it removed).

Examples:
  focusfuse synth --out data/synth --n 20 --seed 7
  focusfuse synth --out /tmp/tiny --n 4 --size 96 --planes 5 --noise 0
  focusfuse synth -o data/hard --n 10 --defocus 0.6 --noise 4 --quality 75
  focusfuse synth -o data/chart --scene chart --tilt 2`;

/** Turns the flags into writeSynthTree options, failing with the flag's own name. */
function treeOptions(values: Record<string, string | boolean | undefined>): SynthTreeOptions {
  const text = (name: string) => values[name] as string | undefined;
  return {
    n: integerFlag('--n', text('n'), 1, MAX_SYNTH_FOVS) ?? 1,
    seed: integerFlag('--seed', text('seed'), 0, Number.MAX_SAFE_INTEGER) ?? 1,
    size: integerFlag('--size', text('size'), 1, MAX_SYNTH_SIZE),
    planes: integerFlag('--planes', text('planes'), 1, MAX_PLANES),
    quality: integerFlag('--quality', text('quality'), 1, 100),
    noise: rangeFlag('--noise', text('noise'), 0, 64),
    defocus: rangeFlag('--defocus', text('defocus'), 0, 20),
    tilt: rangeFlag('--tilt', text('tilt'), 0, MAX_PLANES),
    scene: text('scene') === undefined ? undefined : oneOf<SynthScene>(SYNTH_SCENES, '--scene', text('scene')),
  };
}

export const synthCommand: Command = {
  name: 'synth',
  summary: 'write synthetic cytology Z-stacks with ground truth in the CCCID layout',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, FLAGS);
    if (positionals.length > 0) expected('no positional arguments (use --out <folder>)', 'synth', positionals.join(' '));
    if (values.out === undefined || values.out.trim() === '') expected('a folder path', '--out', values.out);
    let removed = 0;
    const options = { ...treeOptions(values), onRemoved: (fovs: number) => (removed = fovs) };
    const out = resolve(values.out);
    const quiet = values.quiet === true;
    const live = !quiet && process.stderr.isTTY;
    const started = performance.now();
    const manifest = await writeSynthTree(out, options, (p) => {
      if (live) process.stderr.write(`\rsynth: ${p.done}/${p.total} ${p.fov.className}/${p.fov.subtype}`.padEnd(80).slice(0, 80));
    });
    if (live) process.stderr.write('\n');
    if (quiet) return 0;

    const { width, height, planes, quality } = manifest.options;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const perFolder = new Map<string, number>();
    for (const fov of manifest.fovs) {
      const key = `${fov.className}/${fov.subtype}`;
      perFolder.set(key, (perFolder.get(key) ?? 0) + 1);
    }
    console.log(
      `Wrote ${countOf(manifest.fovs.length, 'FOV')} of ${countOf(planes, 'plane')} ${width}x${height} ` +
        `(JPEG quality ${quality}, seed ${manifest.options.seed}) to ${out} in ${seconds} s`,
    );
    for (const [folder, count] of perFolder) console.log(`  ${folder}: ${countOf(count, 'FOV')}`);
    console.log(`Ground truth: ${resolve(out, TRUTH_FOLDER)} (.aif.png, .depth.png, .mask.png per FOV)`);
    console.log(`Manifest:     ${resolve(out, MANIFEST_NAME)}`);
    if (removed > 0) console.log(`Removed ${countOf(removed, 'FOV')} of the earlier run into ${out} (this run's --n or --seed does not write them)`);
    return 0;
  },
};
