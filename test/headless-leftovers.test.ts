/**
 * Nothing left behind, nothing hanging: real CLI processes interrupted mid-run and real scripts that
 * never call close(), each with its own TMPDIR so the check sees only its own Chromium profile
 * (focusfuse-chromium-*) and Chromium's own temporary files. Needs the built CLI (`npm run build`)
 * and chromium: skipped locally without it, failed under CI=true.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../src/headless/chromium.js';

const HAS_CHROMIUM = (() => {
  try {
    return Boolean(findChromium());
  } catch {
    return false;
  }
})();
const CLI = resolve('dist/cli.js');
const NODE_API = resolve('dist/node.js');
const SAMPLE = resolve('examples/samples/cccid-synth/NILM/1. Superficial-Intermediate Cells');

const root = mkdtempSync(join(tmpdir(), 'focusfuse-leftovers-'));
let bigStack: string;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts node with `args` and a private TMPDIR; `exited` resolves when it ends (or is killed after `limitMs`). */
function start(args: string[], tmp: string, limitMs = 90_000) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: tmp } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => {
    stderr += `\n[test] still running after ${limitMs} ms: killed`;
    child.kill('SIGKILL');
  }, limitMs);
  const exited = new Promise<Exit>((done) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
  return { child, exited, output: () => stdout + stderr };
}

/** Pids of live processes whose command line mentions `text` (a browser started with a profile under it). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

async function waitFor(what: string, test: () => boolean, limitMs = 60_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!test()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function freshTmp(name: string): string {
  const folder = join(root, name);
  mkdirSync(folder);
  return folder;
}

/** Everything left in a private TMPDIR once the process is gone (should be nothing). */
function leftIn(tmp: string): string[] {
  return readdirSync(tmp);
}

beforeAll(async () => {
  // The sample scaled to 1536^2: slow enough on a software adapter that the signal lands mid-fusion.
  bigStack = join(root, 'big-stack');
  mkdirSync(bigStack);
  for (const name of readdirSync(SAMPLE).filter((file) => file.endsWith('.jpg'))) {
    await sharp(join(SAMPLE, name)).resize(1536, 1536).jpeg({ quality: 90 }).toFile(join(bigStack, name));
  }
}, 120_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(!HAS_CHROMIUM && process.env.CI !== 'true')('headless runtime: leftovers and hangs', () => {
  it('has a built CLI and chromium', () => {
    expect(existsSync(CLI), 'run `npm run build` first').toBe(true);
    expect(HAS_CHROMIUM, 'chromium is required (CI=true)').toBe(true);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} during fuse --backend webgpu removes the browser and its temporary profile`, async () => {
      const tmp = freshTmp(`fuse-${signal}`);
      const run = start([CLI, 'fuse', bigStack, '-o', join(root, `fused-${signal}.png`), '--backend', 'webgpu'], tmp);
      await waitFor('the browser to start', () => processesMentioning(tmp).length > 0);
      // Past the launch, into the job (loading the page and the adapter takes longer than this).
      await new Promise((r) => setTimeout(r, 1500));
      expect(run.child.exitCode, run.output()).toBeNull();
      run.child.kill(signal);
      const exit = await run.exited;
      // Ended by the signal itself (re-raised after the cleanup), as without focusfuse: shell status 128+n.
      expect(exit.signal, exit.stderr).toBe(signal);
      expect(existsSync(join(root, `fused-${signal}.png`))).toBe(false);
      await waitFor('the browser to exit', () => processesMentioning(tmp).length === 0, 5_000);
      expect(leftIn(tmp)).toEqual([]);
    }, 120_000);
  }

  it('a script that forgets close() ends once its work is done, and takes the browser and profile with it', async () => {
    const tmp = freshTmp('forgot-close');
    const script = join(root, 'forgot-close.mjs');
    writeFileSync(
      script,
      [
        `import { launchHeadlessRuntime, generateStack } from ${JSON.stringify(NODE_API)};`,
        "const runtime = await launchHeadlessRuntime({ engine: 'cpu' });",
        'const { stack } = generateStack({ width: 48, height: 48, planes: 3, seed: 7 });',
        'const result = await runtime.fuse(stack);',
        "console.log('fused', result.width, runtime.alive);",
        '',
      ].join('\n'),
    );
    const run = start([script], tmp, 60_000);
    const exit = await run.exited;
    expect(exit.stderr).toBe('');
    expect(exit.stdout.trim()).toBe('fused 48 true');
    expect(exit.code).toBe(0);
    await waitFor('the browser to exit', () => processesMentioning(tmp).length === 0, 5_000);
    expect(leftIn(tmp)).toEqual([]);
  }, 90_000);

  it("a program's own SIGINT handler keeps the runtime working until it closes it", async () => {
    const tmp = freshTmp('own-handler');
    const script = join(root, 'own-handler.mjs');
    writeFileSync(
      script,
      [
        `import { launchHeadlessRuntime, generateStack } from ${JSON.stringify(NODE_API)};`,
        "const runtime = await launchHeadlessRuntime({ engine: 'cpu' });",
        'const { stack } = generateStack({ width: 48, height: 48, planes: 3, seed: 7 });',
        "process.on('SIGINT', async () => {",
        '  const result = await runtime.fuse(stack);',
        "  console.log('after SIGINT', result.width);",
        '  await runtime.close();',
        '});',
        "console.log('ready');",
        'setTimeout(() => undefined, 60_000);',
        '',
      ].join('\n'),
    );
    const run = start([script], tmp, 60_000);
    await waitFor('the runtime to start', () => run.output().includes('ready'));
    run.child.kill('SIGINT');
    await waitFor('the handler to fuse', () => run.output().includes('after SIGINT'));
    run.child.kill('SIGTERM');
    const exit = await run.exited;
    expect(exit.stdout).toContain('after SIGINT 48');
    expect(exit.signal).toBe('SIGTERM');
    expect(leftIn(tmp)).toEqual([]);
  }, 90_000);
});
