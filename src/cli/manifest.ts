/**
 * `focusfuse manifest merge`: joins the shard manifests of a sharded batch into manifest.csv/json.
 */
import { mergeManifests, writeManifest } from '../batch/manifest.js';
import { expected } from '../core/errors.js';
import { countOf } from '../core/text.js';
import { parseCommandArgs, type Command } from './args.js';

const HELP = `Usage: focusfuse manifest merge <dir> [shard manifests...]

Joins the manifests of a batch run split with --shard i/n
(<dir>/manifest.shard-<i>-of-<n>.json, all n of them, made with the same settings)
into <dir>/manifest.csv and <dir>/manifest.json, rows in FOV order: the same rows a
single run over the whole dataset writes. Files written atomically.

Exit code: 0 merged and every FOV ok; 3 merged, some FOV failed; 2 a shard manifest
missing, repeated or made with other settings.

Examples:
  focusfuse manifest merge /shared/fused
  focusfuse manifest merge /shared/fused a/manifest.shard-0-of-2.json b/manifest.shard-1-of-2.json`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {});
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [action, dir, ...files] = positionals;
  if (action !== 'merge') expected("the action 'merge'", 'focusfuse manifest', action);
  if (!dir) expected('the batch output folder', 'focusfuse manifest merge', undefined);
  const doc = await mergeManifests({ outDir: dir, files });
  const written = await writeManifest(dir, doc);
  const s = doc.summary;
  console.log(`merged ${countOf(doc.runs.length, 'shard manifest')}: ${countOf(s.fovs, 'FOV')}, ${s.ok} ok, ${s.failed} failed -> ${written.join(', ')}`);
  // Files in the tree outside any FOV (s.errors, s.warnings) are listed in the manifest, never a failure.
  return s.failed > 0 ? 3 : 0;
}

export const manifestCommand: Command = {
  name: 'manifest',
  summary: 'merge the manifests of a sharded batch run (focusfuse manifest merge <dir>)',
  help: HELP,
  run,
};
