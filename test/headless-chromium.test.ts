/**
 * Finding Chromium: explicit path, FOCUSFUSE_CHROMIUM, PUPPETEER_EXECUTABLE_PATH, then the usual
 * names on PATH, then the install locations. Real files in a temporary folder stand in for the
 * browsers (discovery only checks for an executable file); the last test launches the real
 * chromium found through a PATH that holds it under another name.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FocusFuseError } from '../src/core/errors.js';
import { CHROMIUM_NAMES, findChromium, launchChromium } from '../src/headless/chromium.js';

const root = mkdtempSync(join(tmpdir(), 'focusfuse-find-chromium-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A folder holding executable scripts with the given names. */
function binFolder(name: string, executables: string[], options: { mode?: number } = {}): string {
  const folder = join(root, name);
  mkdirSync(folder, { recursive: true });
  for (const file of executables) {
    writeFileSync(join(folder, file), '#!/bin/sh\n');
    chmodSync(join(folder, file), options.mode ?? 0o755);
  }
  return folder;
}

const NONE: string[] = [];

describe('findChromium', () => {
  it('searches PATH for every usual name, names before folders, skipping non-executables and folders', () => {
    const early = binFolder('early', ['chrome']);
    const late = binFolder('late', ['google-chrome-stable']);
    const notExecutable = binFolder('plain', ['chromium'], { mode: 0o644 });
    mkdirSync(join(early, 'chromium-browser')); // a folder with a browser's name is not a browser
    const PATH = [notExecutable, early, late].join(delimiter);
    expect(findChromium(undefined, { PATH }, NONE)).toBe(join(late, 'google-chrome-stable'));
    for (const name of CHROMIUM_NAMES) {
      const folder = binFolder(`only-${name}`, [name]);
      expect(findChromium(undefined, { PATH: folder }, NONE), name).toBe(join(folder, name));
    }
  });

  it('ignores empty and relative PATH entries (they mean the current folder)', () => {
    const folder = binFolder('relative', ['chromium']);
    const cwd = process.cwd();
    process.chdir(folder);
    try {
      expect(() => findChromium(undefined, { PATH: `${delimiter}.${delimiter}relative` }, NONE)).toThrow(FocusFuseError);
    } finally {
      process.chdir(cwd);
    }
  });

  it('takes FOCUSFUSE_CHROMIUM, then PUPPETEER_EXECUTABLE_PATH, over PATH, and an explicit path over both', () => {
    const onPath = binFolder('on-path', ['chromium']);
    const ours = join(binFolder('ours', ['my-chromium']), 'my-chromium');
    const puppeteers = join(binFolder('puppeteers', ['their-chrome']), 'their-chrome');
    const explicit = join(binFolder('explicit', ['chosen']), 'chosen');
    const env = { PATH: onPath, FOCUSFUSE_CHROMIUM: ours, PUPPETEER_EXECUTABLE_PATH: puppeteers };
    expect(findChromium(explicit, env, NONE)).toBe(explicit);
    expect(findChromium(undefined, env, NONE)).toBe(ours);
    expect(findChromium(undefined, { ...env, FOCUSFUSE_CHROMIUM: '' }, NONE)).toBe(puppeteers);
    expect(findChromium(undefined, { PATH: onPath }, NONE)).toBe(join(onPath, 'chromium'));
  });

  it('never falls back from a variable that names a missing file', () => {
    const onPath = binFolder('fallback', ['chromium']);
    expect(() => findChromium(undefined, { PATH: onPath, PUPPETEER_EXECUTABLE_PATH: '/nonexistent/chrome' }, NONE)).toThrow(
      /PUPPETEER_EXECUTABLE_PATH is '\/nonexistent\/chrome', which is not an executable file/,
    );
    expect(() => findChromium(undefined, { PATH: onPath, FOCUSFUSE_CHROMIUM: onPath }, NONE)).toThrow(
      /FOCUSFUSE_CHROMIUM is '.*fallback', which is not an executable file/,
    );
  });

  it('tries the install locations after PATH', () => {
    const installed = join(binFolder('opt', ['chrome']), 'chrome');
    expect(findChromium(undefined, { PATH: '' }, ['/nonexistent/chromium', installed])).toBe(installed);
  });

  it('lists everything it tried when nothing is found', () => {
    const empty = binFolder('empty', []);
    let message = '';
    try {
      findChromium(undefined, { PATH: empty }, ['/nonexistent/a']);
    } catch (error) {
      expect(error).toBeInstanceOf(FocusFuseError);
      message = (error as Error).message;
    }
    expect(message).toContain('FOCUSFUSE_CHROMIUM and PUPPETEER_EXECUTABLE_PATH (both unset)');
    expect(message).toContain(`chromium, chromium-browser, google-chrome, google-chrome-stable, chrome on PATH (${empty})`);
    expect(message).toContain('then /nonexistent/a');
    expect(message).toMatch(/apt-get install chromium/);
  });
});

describe.skipIf(!existsSync('/usr/bin/chromium') && process.env.CI !== 'true')('launchChromium', () => {
  it('launches the chromium that PATH gives under the name google-chrome', async () => {
    const folder = join(root, 'renamed');
    mkdirSync(folder);
    symlinkSync('/usr/bin/chromium', join(folder, 'google-chrome'));
    const found = findChromium(undefined, { PATH: folder }, NONE);
    expect(found).toBe(join(folder, 'google-chrome'));
    const chromium = await launchChromium({ executablePath: found });
    try {
      expect(await chromium.browser.version()).toMatch(/Chrome/);
    } finally {
      await chromium.close();
    }
  }, 60_000);
});
