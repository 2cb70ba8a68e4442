/**
 * The package as a user gets it: `npm pack` (what `npm install <git url | folder | tarball>` ships),
 * unpacked into a fresh project outside the repository, then a TypeScript consumer compiled with
 * `tsc --strict` against the packed declarations and run with Node. Needs `npm run build` first
 * (`npm test` does); packing uses --ignore-scripts so the test does not rebuild.
 *
 * The tarball is unpacked the way npm lays it out (node_modules/focusfuse) and each of its declared
 * `dependencies` is linked to the repository's installed copy: offline, fast, and it still fails
 * when the published files, the exports map, the declarations or the dependency list are wrong.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((done) => {
    execFile(command, args, { cwd, encoding: 'utf8', maxBuffer: 32 << 20 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const SAMPLE = 'examples/samples/cccid-synth';
let root: string;
let app: string;
let tsc: string;
let packed: string[];

/** The README's Library section, first ```ts block (the Node example), verbatim. */
async function readmeNodeExample(): Promise<string> {
  const readme = await readFile('README.md', 'utf8');
  const library = readme.slice(readme.indexOf('\n## Library'));
  const block = library.match(/```ts\n(\/\/ Node\n[\s\S]*?)```/);
  if (!block) throw new Error("README.md: no ```ts block starting with '// Node' under '## Library'");
  return block[1];
}

beforeAll(async () => {
  for (const built of ['dist/node.js', 'dist/types/node.d.ts', 'dist/types/index.d.ts']) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` before this test`);
  }
  root = await mkdtemp(join(tmpdir(), 'focusfuse-pack-'));
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], process.cwd());
  expect(pack.code, pack.stderr).toBe(0);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  packed = info.files.map((file) => file.path);

  app = join(root, 'app');
  await mkdir(join(app, 'node_modules'), { recursive: true });
  const untar = await run('tar', ['-xzf', join(root, info.filename)], root);
  expect(untar.code, untar.stderr).toBe(0);
  await rename(join(root, 'package'), join(app, 'node_modules/focusfuse'));
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));

  const manifest = JSON.parse(await readFile(join(app, 'node_modules/focusfuse/package.json'), 'utf8'));
  const repoModules = await realpath('node_modules');
  for (const name of [...Object.keys(manifest.dependencies), 'typescript', '@types/node']) {
    await mkdir(dirname(join(app, 'node_modules', name)), { recursive: true });
    await symlink(join(repoModules, name), join(app, 'node_modules', name), 'dir');
  }
  tsc = join(repoModules, 'typescript/bin/tsc');
  // The README example loads 'NILM/1. Superficial-Intermediate Cells' relative to where it runs.
  await symlink(join(app, 'node_modules/focusfuse', SAMPLE, 'NILM'), join(app, 'NILM'), 'dir');
}, 120_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('npm pack, install, compile, run', () => {
  it('packs the bundles, the declarations of both entry points, the shaders and the samples', () => {
    for (const file of ['dist/node.js', 'dist/index.js', 'dist/cli.js', 'dist/types/node.d.ts', 'dist/types/index.d.ts']) {
      expect(packed, file).toContain(file);
    }
    expect(packed.some((file) => file.startsWith(`${SAMPLE}/NILM/`))).toBe(true);
    expect(packed.some((file) => file.startsWith('src/') || file.startsWith('test/'))).toBe(false);
    expect(packed).not.toContain('dist/types/.tsbuildinfo');
    // Source maps and the checkout's own benchmark bundles (node dist/batch-bench.js ...) are no
    // user's: they made up two thirds of the tarball. focusfuse bench lives in cli.js (see below).
    expect(packed.filter((file) => file.endsWith('.map') || /^dist\/(bench|[\w-]+-bench)\.js$/.test(file))).toEqual([]);
    expect(packed).toContain('dist/gpu-worker.js');
  });

  it('runs focusfuse bench from the package (it needs none of the bench bundles left out)', async () => {
    const out = join(root, 'bench-out');
    const bench = await run(process.execPath, ['node_modules/focusfuse/dist/cli.js', 'bench', 'metrics', 'node_modules/focusfuse/examples/samples/cccid-synth', '--limit', '1', '--measures', 'lapv', '--no-enfuse', '--out', out], app);
    expect(bench.code, bench.stderr).toBe(0);
    expect(bench.stdout).toMatch(/Report: /);
  });

  it("compiles the README's Node example with tsc --strict (nodenext) and runs it", async () => {
    const check = [
      '',
      "import { launchHeadlessRuntime, type HeadlessRuntimeOptions } from 'focusfuse/node';",
      "const options: HeadlessRuntimeOptions = { engine: 'cpu' };",
      'const launcher: typeof launchHeadlessRuntime = launchHeadlessRuntime;',
      'const size: number = result.image.length;',
      'console.log(JSON.stringify({ size, depth: result.depth.length, best: result.stats.bestPlane, engine: options.engine, launcher: typeof launcher }));',
      '',
    ].join('\n');
    await writeFile(join(app, 'main.ts'), (await readmeNodeExample()) + check);
    const compile = await run(
      process.execPath,
      [tsc, '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', 'main.ts'],
      app,
    );
    expect(compile.stdout + compile.stderr).toBe('');
    expect(compile.code).toBe(0);

    const exec = await run(process.execPath, ['main.js'], app);
    expect(exec.stderr).toBe('');
    expect(exec.code).toBe(0);
    const printed = JSON.parse(exec.stdout.trim().split('\n').at(-1)!);
    expect(printed).toEqual({ size: 384 * 384 * 4, depth: 384 * 384, best: expect.any(Number), engine: 'cpu', launcher: 'function' });
    for (const name of ['fused.png', 'depth.png', 'depth-color.png']) {
      const meta = await sharp(join(app, name)).metadata();
      expect([meta.width, meta.height], name).toEqual([384, 384]);
    }
  }, 120_000);

  it('gives a bundler (browser) consumer the browser-safe declarations, without the Node-only API', async () => {
    const source = [
      "import { fuse, depthToColor, type ZStack, type FuseResult } from 'focusfuse';",
      "import * as focusfuse from 'focusfuse';",
      'const planes = [new Uint8Array(16 * 16 * 4), new Uint8Array(16 * 16 * 4)];',
      'const stack: ZStack = { width: 16, height: 16, planes };',
      "const result: FuseResult = await fuse(stack, { backend: 'cpu' });",
      'const rgba: Uint8Array = depthToColor(result.depth, result.planeCount);',
      '// @ts-expect-error loadStack reads files: Node only, not in the browser entry',
      'focusfuse.loadStack;',
      'console.log(rgba.length);',
      '',
    ].join('\n');
    await writeFile(join(app, 'browser.ts'), source);
    const compile = await run(
      process.execPath,
      [tsc, '--strict', '--noEmit', '--module', 'esnext', '--moduleResolution', 'bundler', '--target', 'es2022', '--lib', 'es2022,dom', 'browser.ts'],
      app,
    );
    expect(compile.stdout + compile.stderr).toBe('');
    expect(compile.code).toBe(0);
  }, 120_000);

  it("bundles for a browser and runs where Node's Buffer and Uint8Array.fromBase64 are missing (browsers before 2025)", async () => {
    await writeFile(
      join(app, 'page.mjs'),
      [
        "import { fuse } from 'focusfuse';",
        'const size = 32;',
        'const planes = [1, 2, 3].map((z) => Uint8Array.from({ length: size * size * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 7 * z) % 251)));',
        "const result = await fuse({ width: size, height: size, planes }, { backend: 'cpu' });",
        'console.log(JSON.stringify({ bytes: result.image.length, runtime: result.backend.runtime }));',
        '',
      ].join('\n'),
    );
    const { build } = await import('esbuild');
    const bundled = await build({ entryPoints: [join(app, 'page.mjs')], bundle: true, platform: 'browser', format: 'esm', target: 'es2022', outfile: join(app, 'page.bundle.mjs'), absWorkingDir: app, logLevel: 'silent' });
    expect(bundled.errors).toEqual([]);
    // What a browser without them has: no Buffer, no Uint8Array.fromBase64 (Node 20 has none either).
    const script = `delete globalThis.Buffer; delete Uint8Array.fromBase64; await import(${JSON.stringify(join(app, 'page.bundle.mjs'))});`;
    const exec = await run(process.execPath, ['--input-type=module', '-e', script], app);
    expect(exec.stderr).toBe('');
    expect(JSON.parse(exec.stdout.trim())).toEqual({ bytes: 32 * 32 * 4, runtime: 'wasm simd' });
    // The self-contained module for pages without a bundler, by its export name.
    const plain = await run(process.execPath, ['--input-type=module', '-e', "const m = await import('focusfuse/browser'); console.log(typeof m.fuse, typeof m.loadStack);"], app);
    expect(plain.stderr).toBe('');
    expect(plain.stdout.trim()).toBe('function undefined');
  }, 120_000);
});
