/**
 * Finding and launching the system's Chromium with WebGPU on. puppeteer-core never downloads a
 * browser here; we drive Debian's `chromium`, whose bundled SwiftShader gives a software WebGPU
 * adapter on machines without a GPU (see README "Headless WebGPU").
 */
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { FocusFuseError } from '../core/errors.js';

/** Places tried, in order, after an explicit path and `FOCUSFUSE_CHROMIUM`. */
export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/**
 * Flags that give a software WebGPU adapter in headless mode and keep the browser from reaching
 * the network (background updates, sync, QUIC probing) during a batch.
 */
export const CHROMIUM_FLAGS = [
  '--headless=new',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Picks the Chromium executable: the given path, then env `FOCUSFUSE_CHROMIUM`, then the Debian paths.
 * A path given explicitly must exist; we never silently fall back from it.
 * @example findChromium() // => '/usr/bin/chromium'
 * @throws FocusFuseError (code BACKEND) naming what was tried.
 */
export function findChromium(
  executablePath?: string,
  env: Record<string, string | undefined> = process.env,
  candidates: readonly string[] = CHROMIUM_CANDIDATES,
): string {
  const explicit = executablePath ?? env.FOCUSFUSE_CHROMIUM;
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    const source = executablePath ? 'executablePath' : 'FOCUSFUSE_CHROMIUM';
    throw new FocusFuseError('BACKEND', `Chromium not found: ${source} is '${explicit}', which is not an executable file`);
  }
  const found = candidates.find(isExecutable);
  if (found) return found;
  throw new FocusFuseError(
    'BACKEND',
    `Chromium not found (tried ${candidates.join(', ')}); install Debian's chromium: apt-get install chromium, ` +
      'or set FOCUSFUSE_CHROMIUM to a Chromium executable',
  );
}

/** Kills the browser process if it is still running (e.g. after a lost connection) and waits for it to exit. */
async function killAndWait(browser: Browser): Promise<void> {
  const child = browser.process();
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** A launched browser and the temporary profile it owns. */
export interface LaunchedChromium {
  browser: Browser;
  executablePath: string;
  /** Closes the browser (or kills it if it does not answer) and removes the temporary profile. */
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh temporary profile. The DevTools connection is a pipe, not a
 * TCP port: a debugging port would let any local process drive the browser.
 * `extraArgs` go after the standard flags (e.g. the viewer's screenshot tests add SwiftShader GL).
 * @example const { browser, close } = await launchChromium();
 */
export async function launchChromium(options: { executablePath?: string; extraArgs?: readonly string[] } = {}): Promise<LaunchedChromium> {
  const executablePath = findChromium(options.executablePath);
  const userDataDir = mkdtempSync(join(tmpdir(), 'focusfuse-chromium-'));
  const removeProfile = () => {
    process.off('exit', removeProfile);
    rmSync(userDataDir, { recursive: true, force: true, maxRetries: 3 });
  };
  // puppeteer kills the browser when Node exits without close(); this takes the profile with it.
  process.once('exit', removeProfile);
  let browser: Browser;
  try {
    // Loaded here, not at the top: puppeteer costs ~110 ms to import, which every CPU-only CLI run
    // and batch would otherwise pay at start-up.
    const { default: puppeteer } = await import('puppeteer-core');
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      pipe: true,
      userDataDir,
      // A copy: puppeteer edits the array it is given (it merges --enable-features into its own).
      args: [...CHROMIUM_FLAGS, ...(options.extraArgs ?? [])],
      // No per-call CDP timeout: a job's call lasts as long as the job, and the runtime times jobs itself.
      protocolTimeout: 0,
      // The runtime handles termination itself; puppeteer's signal handlers would race ours.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (error) {
    removeProfile();
    throw new FocusFuseError('BACKEND', `could not launch Chromium (${executablePath}): ${(error as Error).message}`);
  }
  return {
    browser,
    executablePath,
    async close() {
      try {
        if (browser.connected) await browser.close();
      } catch {
        // An unresponsive browser: fall through to the kill below.
      }
      await killAndWait(browser);
      removeProfile();
    },
  };
}
