/**
 * `node dist/tags-bench.js <folder>`: how long sorting out a folder tree's focusfuse outputs takes
 * (findFolderOutputs over each folder of images, as `focusfuse view` and `fuse` do), reading each
 * file's tag through sharp's metadata (before) and from its bytes (readOutputTag: scanOutputTag,
 * sharp where the bytes cannot decide), the two alternating round by round in one process; then the
 * viewer's whole listing (buildCatalog). Throws where the two readers disagree on any file. Prints
 * medians.
 *
 *   node dist/cli.js synth --out /tmp/s --n 40 && node dist/cli.js batch /tmp/s --out /tmp/o
 *   node dist/tags-bench.js /tmp/o --rounds 9
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { findFolderOutputs, type OutputTagReader } from '../src/io/folder-outputs.js';
import { readOutputTag, readOutputTagWithSharp, scanFileOutputTag } from '../src/io/output-tag.js';
import { buildCatalog } from '../src/viewer/catalog.js';
import { median } from './stats.js';

const args = process.argv.slice(2);
const root = args[0];
if (!root || root.startsWith('--')) throw new Error('usage: node dist/tags-bench.js <folder> [--rounds N]');
const at = args.indexOf('--rounds');
const rounds = at >= 0 ? Number(args[at + 1]) : 9;

/** The images of each folder under `folder`. */
async function imagesByFolder(folder: string, out: string[][] = []): Promise<string[][]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const images = entries.filter((e) => e.isFile() && /\.(png|jpe?g|tiff?)$/i.test(e.name)).map((e) => join(folder, e.name));
  if (images.length > 0) out.push(images);
  for (const e of entries) if (e.isDirectory()) await imagesByFolder(join(folder, e.name), out);
  return out;
}

const folders = await imagesByFolder(root);
const files = folders.flat();
let decided = 0;
for (const file of files) {
  const [bytes, full] = [await readOutputTag(file), await readOutputTagWithSharp(file)];
  if (bytes !== full) throw new Error(`${file}: the byte scan says ${bytes}, sharp ${full}`);
  if ((await scanFileOutputTag(file)) !== 'undecided') decided++;
}
console.log(`${files.length} images in ${folders.length} folders; the bytes decided ${decided}, sharp the other ${files.length - decided}; both readers agree on every one`);

async function sortOut(readTag: OutputTagReader): Promise<number> {
  const t0 = performance.now();
  for (const folder of folders) await findFolderOutputs(folder, { readTag });
  return performance.now() - t0;
}

const ms = { sharp: [] as number[], bytes: [] as number[], listing: [] as number[] };
for (let round = 0; round < rounds; round++) {
  // Alternating which goes first, so neither always meets a warmer page cache.
  if (round % 2 === 0) ms.sharp.push(await sortOut(readOutputTagWithSharp)), ms.bytes.push(await sortOut(readOutputTag));
  else ms.bytes.push(await sortOut(readOutputTag)), ms.sharp.push(await sortOut(readOutputTagWithSharp));
  const t0 = performance.now();
  await buildCatalog([{ root, source: 'folder' }]);
  ms.listing.push(performance.now() - t0);
}
const show = (values: number[]) => `${median(values).toFixed(1)} ms (min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)})`;
console.log(`findFolderOutputs over every folder, median of ${rounds} rounds:`);
console.log(`  sharp metadata:   ${show(ms.sharp)}`);
console.log(`  bytes (+ sharp):  ${show(ms.bytes)}   ${(median(ms.sharp) / median(ms.bytes)).toFixed(1)}x`);
console.log(`viewer listing (buildCatalog, bytes): ${show(ms.listing)}`);
