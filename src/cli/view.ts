/**
 * `focusfuse view [dir] [--port N] [--no-open]`: serves the viewer (and the stacks under `dir`) from
 * 127.0.0.1, prints the URL and opens it in the default browser; runs until Ctrl+C.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FocusFuseError } from '../core/errors.js';
import { loadViewerAssets, samplesFolder } from '../viewer/assets.js';
import { startViewerServer, type ViewerServer } from '../viewer/server.js';
import { DERIVED_IMAGE_REASON } from '../io/derived-image.js';
import { integerFlag, parseCommandArgs, type Command } from './args.js';
import { countOf } from '../core/text.js';

const HELP = `Usage: focusfuse view [dir] [--port N] [--no-open]

Opens the focusfuse viewer in the browser: turn the fine focus through the planes, see the fused
image, the depth map and the confidence map, click a pixel for its focus curve, orbit the 3D relief.
The stacks under dir (a stack or a dataset folder, searched recursively; JPEG, PNG and TIFF) and
the bundled samples are listed in the page; files can also be dropped onto it (JPEG and PNG).
Written results under dir (fuse --json, batch: a stats JSON with its fused image, depth and
confidence beside it) are listed too and shown as written, without fusing: the fused image, the
depth map, the confidence and the 3D relief.
Left out, with a note: focusfuse outputs and ground truth, other images next to CCCID planes,
single images, and files that are not images (a misnamed plane); notes and metadata (.json,
.md, .txt, .csv, ...) quietly. Binds 127.0.0.1 only and serves nothing but the viewer's own files and the
images under dir. Open it as http://127.0.0.1:PORT/ or http://localhost:PORT/, or through a port
forward (ssh -L 9000:127.0.0.1:PORT host, then http://localhost:9000/): any loopback host name
and port is answered, any other host name is refused (DNS rebinding).

  --port N     port to listen on (default, or 0: a free one; a port in use is an error)
  --no-open    print the URL but do not open a browser

Examples:
  focusfuse view "NILM/1. Superficial-Intermediate Cells"
  focusfuse view data/cccid --port 8080 --no-open
  focusfuse batch data/cccid --out out && focusfuse view out     # the batch's results`;

/** Opens a URL with the desktop's handler; failing to is not an error (the URL is printed anyway). */
function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => console.error(`focusfuse: could not open a browser (${command}); open ${url} yourself`));
    child.unref();
  } catch {
    console.error(`focusfuse: could not open a browser; open ${url} yourself`);
  }
}

async function checkFolder(folder: string): Promise<string> {
  const path = resolve(folder);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new FocusFuseError('NOT_FOUND', 'no such folder', folder);
  if (!info.isDirectory()) throw new FocusFuseError('BAD_OPTION', 'is not a folder; give the folder that holds the stack', folder);
  return path;
}

/**
 * What `view` says about the folder it serves: that it found nothing to show, and which groups of
 * files it left out and why; where those include focusfuse outputs and nothing is shown, how to
 * write outputs the viewer shows (a stats JSON ties a result's files together).
 * @example folderNotes('/data/out', server) // => ['no JPEG, PNG or TIFF stacks and no written results under /data/out; ...', ...]
 */
export function folderNotes(folder: string | undefined, server: Pick<ViewerServer, 'stacks' | 'results' | 'hidden'>): string[] {
  if (!folder) return [];
  const notes: string[] = [];
  const empty = !server.stacks.some((s) => s.source === 'folder') && !server.results.some((r) => r.source === 'folder');
  if (empty) notes.push(`no JPEG, PNG or TIFF stacks and no written results under ${folder}; the page lists the samples only`);
  const hidden = server.hidden.filter((group) => group.source === 'folder');
  if (hidden.length > 0) {
    const shown = hidden.slice(0, 3).map((group) => `${group.name} (${group.reason})`).join('; ');
    notes.push(`left out ${hidden.length} group${hidden.length > 1 ? 's' : ''} of files that cannot be fused: ${shown}${hidden.length > 3 ? `; and ${hidden.length - 3} more` : ''}`);
  }
  if (empty && hidden.some((group) => group.reason === DERIVED_IMAGE_REASON)) {
    notes.push('the viewer shows a written result from its stats JSON with the fused image, depth and confidence beside it: write them with fuse --json (and --depth, --confidence), or use batch, which writes all four');
  }
  return notes;
}

/**
 * The port the server could not listen on, said as one line (Node's own error is a stack trace):
 * in use (another `view`, often) or reserved for root; anything else is passed on as it is.
 * @example listenError(Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }), 8080).message
 * // => 'port 8080 on 127.0.0.1 is in use (another focusfuse view?); give another --port, or --port 0 for a free one'
 */
export function listenError(error: unknown, port: number): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const problem = code === 'EADDRINUSE' ? 'is in use (another focusfuse view?)' : code === 'EACCES' ? 'needs privileges this user lacks' : undefined;
  if (!problem) return error;
  return new FocusFuseError('BAD_OPTION', `port ${port} on 127.0.0.1 ${problem}; give another --port, or --port 0 for a free one`);
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { port: { type: 'string' }, 'no-open': { type: 'boolean' } });
  if (positionals.length > 1) throw new FocusFuseError('BAD_OPTION', `Expected at most one folder but received ${positionals.length}: ${positionals.join(', ')}`);
  const port = integerFlag('--port', values.port, 0, 65535) ?? 0;
  const folder = positionals[0] === undefined ? undefined : await checkFolder(positionals[0]);
  const server = await startViewerServer({ assets: await loadViewerAssets(), folder, samples: samplesFolder(), port }).catch((error: unknown) => {
    throw listenError(error, port);
  });
  const first = server.stacks.find((s) => s.source === 'folder');
  const firstResult = server.results.find((r) => r.source === 'folder');
  for (const line of folderNotes(folder, server)) console.error(`focusfuse: ${line}`);
  const url = first ? server.stackUrl(first.id) : firstResult ? server.resultUrl(firstResult.id) : server.url;
  const results = server.results.length > 0 ? `, ${countOf(server.results.length, 'written result')}` : '';
  console.log(`focusfuse viewer: ${url}  (${countOf(server.stacks.length, 'stack')}${results}; Ctrl+C to stop)`);
  if (!values['no-open']) openInBrowser(url);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

export const viewCommand: Command = {
  name: 'view',
  summary: 'open the browser viewer on a stack, dataset or batch output folder (planes, fusion, depth, 3D relief; written results)',
  help: HELP,
  run,
};
