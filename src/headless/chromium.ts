/**
 * Finding and launching the system's Chromium with WebGPU on. puppeteer-core never downloads a
 * browser here; we drive Debian's `chromium`, whose bundled SwiftShader gives a software WebGPU
 * adapter on machines without a GPU (see README "Headless WebGPU").
 */
import { accessSync, constants, mkdtempSync, readlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, isAbsolute, join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { FocusFuseError } from '../core/errors.js';
import { registerLeftover, type Leftover } from './cleanup.js';

/** Executable names searched for on PATH, in this order. */
export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];

/**
 * Places tried after PATH: the usual install locations, for a PATH that lacks them (a service's or
 * cron's minimal PATH, macOS app bundles).
 */
export const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/opt/google/chrome/chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/** Environment variables naming the executable, in order of precedence (puppeteer's own second). */
export const CHROMIUM_ENV_VARS = ['FOCUSFUSE_CHROMIUM', 'PUPPETEER_EXECUTABLE_PATH'] as const;
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

/** A regular file we may execute (a folder passes the X_OK check too, so it is ruled out first). */
function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every absolute folder on `pathVariable` joined with every name, names first: `chromium` anywhere on
 * PATH wins over `google-chrome` earlier on it. Empty and relative entries are skipped: they mean
 * "the current folder", which must not decide what we launch.
 */
function pathCandidates(pathVariable: string | undefined): string[] {
  const folders = (pathVariable ?? '').split(delimiter).filter((folder) => folder !== '' && isAbsolute(folder));
  return CHROMIUM_NAMES.flatMap((name) => folders.map((folder) => join(folder, name)));
}

/**
 * Picks the Chromium (or Chrome) executable, first match wins:
 * 1. `executablePath`, 2. env `FOCUSFUSE_CHROMIUM`, 3. env `PUPPETEER_EXECUTABLE_PATH`,
 * 4. {@link CHROMIUM_NAMES} on PATH, 5. the install locations in `fallbacks` ({@link CHROMIUM_CANDIDATES}).
 * A path given explicitly (1-3) must be an executable file; we never silently fall back from it.
 * @example findChromium() // => '/usr/bin/chromium'
 * @example findChromium(undefined, { PATH: '/opt/bin' }) // => '/opt/bin/google-chrome' (if that is all there is)
 * @throws FocusFuseError (code BACKEND) listing everything that was tried.
 */
export function findChromium(
  executablePath?: string,
  env: Record<string, string | undefined> = process.env,
  fallbacks: readonly string[] = CHROMIUM_CANDIDATES,
): string {
  const explicit: [string, string | undefined][] = [
    ['executablePath', executablePath],
    ...CHROMIUM_ENV_VARS.map((name): [string, string | undefined] => [name, env[name]]),
  ];
  for (const [source, path] of explicit) {
    if (!path) continue;
    if (isExecutable(path)) return path;
    throw new FocusFuseError('BACKEND', `Chromium not found: ${source} is '${path}', which is not an executable file`);
  }
  const searched = pathCandidates(env.PATH);
  const found = [...searched, ...fallbacks].find(isExecutable);
  if (found) return found;
  const onPath = env.PATH ? `on PATH (${env.PATH})` : 'on PATH (PATH is empty)';
  throw new FocusFuseError(
    'BACKEND',
    `Chromium not found: tried ${CHROMIUM_ENV_VARS.join(' and ')} (both unset), ${CHROMIUM_NAMES.join(', ')} ${onPath}, ` +
      `then ${fallbacks.join(', ')}; install Debian's chromium (apt-get install chromium) or Google Chrome, ` +
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

/**
 * Chromium's own temporary folder (`$TMPDIR/org.chromium.Chromium.*`, holding its singleton socket),
 * which the profile names through its SingletonSocket link and a killed browser leaves behind. (It
 * cannot be moved into the profile: the socket's path would outgrow the 108-byte Unix limit.)
 */
function singletonFolder(profile: string): string[] {
  const folder = dirname(readlinkSync(join(profile, 'SingletonSocket')));
  return basename(folder).startsWith('org.chromium.Chromium.') ? [folder] : [];
}

/**
 * Refs or unrefs the browser's process and pipes: unref'd, they do not keep Node's event loop alive,
 * so a script that forgets close() still ends (and the exit cleanup in cleanup.ts takes the browser).
 */
function setKeepsNodeAlive(browser: Browser, keep: boolean): void {
  const child = browser.process();
  if (!child) return;
  for (const handle of [child, ...child.stdio] as ({ ref?(): void; unref?(): void } | null)[]) {
    if (keep) handle?.ref?.();
    else handle?.unref?.();
  }
}

/** A launched browser and the temporary profile it owns. */
export interface LaunchedChromium {
  browser: Browser;
  executablePath: string;
  /**
   * Whether the browser keeps Node running: true from launch until set false. The runtime sets it
   * false when idle and true while a job runs, so an idle runtime never holds a finished script open.
   */
  keepNodeAlive(keep: boolean): void;
  /** Closes the browser (or kills it if it does not answer) and removes the temporary profile. */
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh temporary profile. The DevTools connection is a pipe, not a
 * TCP port: a debugging port would let any local process drive the browser.
 * `extraArgs` go after the standard flags (e.g. the viewer's screenshot tests add SwiftShader GL).
 * The profile and the process are removed by close(), and also if Node exits or is interrupted
 * (SIGINT, SIGTERM, SIGHUP) first; see keepNodeAlive for what keeps Node running.
 * @example const { browser, close } = await launchChromium();
 */
export async function launchChromium(options: { executablePath?: string; extraArgs?: readonly string[] } = {}): Promise<LaunchedChromium> {
  const executablePath = findChromium(options.executablePath);
  const userDataDir = mkdtempSync(join(tmpdir(), 'focusfuse-chromium-'));
  const leftover: Leftover = { folder: userDataDir, related: () => singletonFolder(userDataDir) };
  const removeProfile = registerLeftover(leftover);
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
      // cleanup.ts handles termination; puppeteer's signal handlers would race it.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (error) {
    removeProfile();
    throw new FocusFuseError('BACKEND', `could not launch Chromium (${executablePath}): ${(error as Error).message}`);
  }
  leftover.process = browser.process() ?? undefined;
  // Read the singleton folder now, while its link exists: a browser that is closing removes the link
  // before the folder, and a signal that kills it halfway would otherwise leave the folder unnamed.
  try {
    const singleton = singletonFolder(userDataDir);
    leftover.related = () => singleton;
  } catch {
    // Not there yet: looked up again at removal.
  }
  return {
    browser,
    executablePath,
    keepNodeAlive: (keep) => setKeepsNodeAlive(browser, keep),
    async close() {
      // Held until closed: an unref'd pipe would let Node exit halfway through an awaited close().
      setKeepsNodeAlive(browser, true);
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
