/**
 * The headless-Chromium WebGPU runtime: one browser and one page kept for many stacks, driven by
 * puppeteer-core, implementing the same FusionBackend interface as the CPU engine.
 *
 * Why a browser: Dawn's Node bindings crash the whole Node process now and then on software
 * adapters (see README "Headless WebGPU"); in Chromium the GPU runs in its own process, so a crash
 * there costs one job, which this runtime reports, and never the batch driving it.
 */
import type { Page } from 'puppeteer-core';
import { FocusFuseError } from '../core/errors.js';
import { asResolvedOptions } from '../core/options.js';
import { toRgba8Stack, validateStack } from '../core/stack.js';
import type { AnyZStack, FuseOptions, FuseResult, FusionBackend, ResolvedOptions, ZStack } from '../core/types.js';
import { launchChromium, type LaunchedChromium } from './chromium.js';
import { loadPageBundle } from './page-bundle.js';
import type { PageApi, PageEngineName } from './page.js';
import {
  inputJobParts,
  maxResultBytes,
  readResultJob,
  stackName,
  type HeadlessAdapter,
  type JobSummary,
} from './protocol.js';
import { startJobServer, type JobServer } from './server.js';

export interface HeadlessRuntimeOptions {
  /**
   * Chromium to launch; else env `FOCUSFUSE_CHROMIUM`, env `PUPPETEER_EXECUTABLE_PATH`, then chromium,
   * chromium-browser, google-chrome, google-chrome-stable or chrome on PATH (findChromium).
   */
  executablePath?: string;
  /** Receives one line per event: launch, adapter, page console output, crashes. */
  log?: (line: string) => void;
  /**
   * Engine inside the page. `webgpu` (default) is the point of the runtime; `cpu` runs the CPU
   * reference in the page, to test or measure the transport where no adapter exists.
   */
  engine?: PageEngineName;
  /**
   * Time allowed per stack; a job (one fuseBatch call) gets this times its stack count before the
   * browser is treated as hung and stopped. Default 5 minutes: software adapters are slow.
   */
  stackTimeoutMs?: number;
}

export interface HeadlessRuntime extends FusionBackend {
  readonly name: PageEngineName;
  /** The WebGPU adapter the page got (null with `engine: 'cpu'`). Updated by relaunch(). */
  readonly adapter: HeadlessAdapter | null;
  /** False after a browser crash, page crash, lost device, hung job or close(); relaunch() revives it. */
  readonly alive: boolean;
  /** Process id of the browser, for logs (and for tests that simulate a crash). */
  readonly browserPid: number | undefined;
  /** The local server's base URL, `http://127.0.0.1:<port>/`. */
  readonly url: string;
  fuse(stack: AnyZStack, options?: FuseOptions | ResolvedOptions): Promise<FuseResult>;
  /** Fuses several stacks in one job (one transfer each way); results in input order. Options as fuse() takes them. */
  fuseBatch(stacks: AnyZStack[], options?: FuseOptions | ResolvedOptions): Promise<FuseResult[]>;
  /** Closes whatever is left of the current browser and launches a fresh one. */
  relaunch(): Promise<void>;
  close(): Promise<void>;
  dispose(): Promise<void>;
}

const DEFAULT_STACK_TIMEOUT_MS = 5 * 60_000;
/** Startup (page load, adapter and device) taking longer than this means a broken browser or GPU process. */
const STARTUP_TIMEOUT_MS = 60_000;

/** Races `promise` against a timer; the timer never outlives the race. */
async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One launched browser with its page and server; a relaunch replaces the whole session. */
interface Session {
  chromium: LaunchedChromium;
  page: Page;
  server: JobServer;
  adapter: HeadlessAdapter | null;
  /** Why the session can no longer run jobs; undefined while it can. */
  broken?: string;
  /** Rejects the moment the session breaks, so a job waiting on the page stops waiting. */
  breakage: Promise<never>;
  /**
   * Marks the session broken (first reason wins) and rejects `breakage`; logged unless `asked`
   * (close() or relaunch(): the caller's own doing, not news to report).
   */
  fail(reason: string, asked?: boolean): void;
}

/**
 * An error about some stacks. One stack: its name becomes the error's `file` (the message's
 * prefix); several: they are listed at the end, so a batch runner can tell what to redo.
 */
function runtimeError(message: string, stacks: ZStack[]): FocusFuseError {
  if (stacks.length === 1) return new FocusFuseError('BACKEND', message, stackName(stacks[0], 0));
  const names = stacks.slice(0, 5).map((stack, i) => `"${stackName(stack, i)}"`);
  const more = stacks.length > 5 ? ` and ${stacks.length - 5} more` : '';
  return new FocusFuseError('BACKEND', `${message} (stacks ${names.join(', ')}${more})`);
}

async function openSession(options: HeadlessRuntimeOptions, log: (line: string) => void): Promise<Session> {
  const engine = options.engine ?? 'webgpu';
  const server = await startJobServer({ pageScript: await loadPageBundle() });
  let chromium: LaunchedChromium;
  try {
    chromium = await launchChromium({ executablePath: options.executablePath });
  } catch (error) {
    await server.close();
    throw error;
  }
  const { browser } = chromium;
  let markBroken: (reason: string) => void = () => undefined;
  const breakage = new Promise<never>((_, reject) => {
    markBroken = (reason) => reject(new Error(reason));
  });
  breakage.catch(() => undefined);

  try {
    const version = await browser.version();
    log(`launched ${chromium.executablePath} (${version}, pid ${browser.process()?.pid}), serving ${server.url}`);
    const page = await browser.newPage();
    const session: Session = {
      chromium,
      page,
      server,
      adapter: null,
      breakage,
      fail(reason, asked = false) {
        if (session.broken) return;
        session.broken = reason;
        if (!asked) log(`runtime stopped: ${reason}`);
        markBroken(reason);
      },
    };
    const fail = session.fail;
    browser.on('disconnected', () => fail('headless Chromium exited or crashed (browser disconnected)'));
    page.on('error', (error) => fail(`the headless page crashed (${error.message})`));
    page.on('close', () => fail('the headless page was closed'));
    page.on('console', (message) => log(`[page] ${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => log(`[page] uncaught: ${(error as Error).message}`));

    await page.goto(server.url, { waitUntil: 'load', timeout: STARTUP_TIMEOUT_MS });
    await page.waitForFunction(() => 'focusfuse' in globalThis, { timeout: STARTUP_TIMEOUT_MS });
    try {
      const init = page.evaluate(
        (name, runtime) => (globalThis as unknown as { focusfuse: PageApi }).focusfuse.init(name, runtime),
        engine,
        `headless chromium (${version})`,
      );
      const adapter = await withTimeout(init, STARTUP_TIMEOUT_MS, 'acquiring the WebGPU adapter and device');
      // The browser's version comes from Node: the page's user agent is reduced to `Chrome/156.0.0.0`.
      session.adapter = adapter && { ...adapter, browser: version };
    } catch (error) {
      const detail = (error as Error).message.replace(/^Error: /, '');
      throw new FocusFuseError('BACKEND', `WebGPU is not usable in headless Chromium (${version}): ${detail}`);
    }
    if (session.adapter) log(`adapter: ${session.adapter.summary} in ${session.adapter.browser}`);
    // Idle from here: a script that forgets close() still ends (cleanup.ts then takes the browser).
    chromium.keepNodeAlive(false);
    return session;
  } catch (error) {
    await chromium.close();
    await server.close();
    throw error;
  }
}

/** Stops a session on the caller's request (close, relaunch): silently, a crash is what gets logged. */
async function closeSession(session: Session, reason: string): Promise<void> {
  session.fail(reason, true);
  await session.chromium.close();
  await session.server.close();
}

/** Runs one job on a session: hand the page the job id, wait for its posted result, decode it. */
async function runJob(session: Session, stacks: ZStack[], options: ResolvedOptions, timeoutMs: number): Promise<FuseResult[]> {
  const { server, page } = session;
  const job = server.addJob(inputJobParts(stacks, options), maxResultBytes(stacks, options));
  const started = performance.now();
  try {
    const run = page.evaluate((id) => (globalThis as unknown as { focusfuse: PageApi }).focusfuse.runJob(id), job.id) as Promise<JobSummary>;
    // The page answers only after its result was posted, so by then the body is in (or never comes).
    const done = run.then(async (summary) => {
      if (summary.fatal) throw new Error(summary.fatal);
      return job.result;
    });
    const body = await withTimeout(Promise.race([done, session.breakage]), timeoutMs, 'the job (hung browser?)');
    const roundTripMs = performance.now() - started;
    const { outcomes, page: pageTimings } = readResultJob(body, options, stacks.map((stack) => stack.meta));
    const share = (ms: number) => ms / stacks.length;
    return outcomes.map((outcome, i) => {
      if ('message' in outcome) throw runtimeError(outcome.message, [stacks[i]]);
      outcome.timings = {
        ...outcome.timings,
        jobInputMs: share(pageTimings.fetchMs + pageTimings.decodeMs),
        jobOverheadMs: share(roundTripMs - pageTimings.fuseMs),
        jobTotalMs: share(roundTripMs),
      };
      return outcome;
    });
  } finally {
    server.dropJob(job.id);
  }
}

/**
 * Launches headless Chromium with WebGPU and returns a backend that fuses stacks in it. Keep one
 * runtime for many stacks: launching costs about a second, a job only the fusing and transfer.
 * Call close() when done. Forgetting it costs nothing lasting: an idle runtime does not keep Node
 * running, and the browser and its temporary profile are removed when Node exits or is stopped by
 * SIGINT, SIGTERM or SIGHUP (see cleanup.ts).
 *
 * @example
 * const runtime = await launchHeadlessRuntime({ log: console.error });
 * try {
 *   console.log(runtime.describe()); // webgpu (headless Chrome/156..., google swiftshader (fallback adapter))
 *   const [a, b] = await runtime.fuseBatch([stackA, stackB], { measure: 'lapv' });
 * } finally {
 *   await runtime.close();
 * }
 * @throws FocusFuseError (code BACKEND) when Chromium is missing, fails to start, or has no WebGPU adapter.
 */
export async function launchHeadlessRuntime(options: HeadlessRuntimeOptions = {}): Promise<HeadlessRuntime> {
  const log = options.log ?? (() => undefined);
  const engine = options.engine ?? 'webgpu';
  const stackTimeoutMs = options.stackTimeoutMs ?? DEFAULT_STACK_TIMEOUT_MS;
  let session: Session | undefined = await openSession(options, log);
  let closed = false;
  // Jobs run one at a time: the page has one device and one queue, and a crash should cost the
  // job it interrupts, not several interleaved ones.
  let queue: Promise<unknown> = Promise.resolve();

  async function fuseBatch(input: AnyZStack[], fuseOptions?: FuseOptions | ResolvedOptions): Promise<FuseResult[]> {
    const resolved = asResolvedOptions(fuseOptions);
    const stacks = input.map((stack) => toRgba8Stack(validateStack(stack))); // 8-bit kernels: see README "High bit depth"
    if (stacks.length === 0) return [];
    const run = queue.then(async () => {
      const current = session;
      if (closed || !current) throw runtimeError('the headless runtime is closed', stacks);
      if (current.broken) throw runtimeError(`the headless runtime is not usable (${current.broken}); relaunch it`, stacks);
      current.chromium.keepNodeAlive(true);
      try {
        return await runJob(current, stacks, resolved, stackTimeoutMs * stacks.length);
      } catch (error) {
        if (error instanceof FocusFuseError) throw error;
        // Anything but a per-stack failure leaves the page in an unknown state: stop this browser
        // so nothing half-finished can answer a later job, and say how to recover.
        current.fail((error as Error).message);
        const reason = current.broken;
        await current.chromium.close().catch(() => undefined);
        throw runtimeError(`the headless runtime failed: ${reason}; relaunch it`, stacks);
      } finally {
        current.chromium.keepNodeAlive(false);
      }
    });
    queue = run.catch(() => undefined);
    return run;
  }

  const runtime: HeadlessRuntime = {
    name: engine,
    // Plane sizes cross to the page and the alignment report comes back (protocol.ts); both engines align.
    aligns: true,
    get adapter() {
      return session?.adapter ?? null;
    },
    get software() {
      return session?.adapter?.software ?? false;
    },
    get alive() {
      return !closed && session !== undefined && session.broken === undefined;
    },
    get browserPid() {
      return session?.chromium.browser.process()?.pid;
    },
    get url() {
      return session?.server.url ?? '';
    },
    describe() {
      const adapter = session?.adapter;
      if (!adapter) return `${engine} (headless Chromium, CPU reference inside the page)`;
      return `webgpu (headless ${adapter.browser}, ${adapter.summary})`;
    },
    async fuse(stack, fuseOptions) {
      const [result] = await fuseBatch([stack], fuseOptions);
      return result;
    },
    fuseBatch,
    async relaunch() {
      if (closed) throw new FocusFuseError('BACKEND', 'the headless runtime is closed; launch a new one');
      const old = session;
      session = undefined;
      if (old) await closeSession(old, 'relaunched');
      session = await openSession(options, log);
    },
    async close() {
      if (closed) return;
      closed = true;
      // Stop the browser first: a job still running is rejected now instead of holding close() up.
      if (session) await closeSession(session, 'the runtime was closed');
      await queue;
    },
    dispose() {
      return runtime.close();
    },
  };
  return runtime;
}

/**
 * Launches the runtime once to report its adapter, for `focusfuse info`; never throws.
 * @example
 * const probe = await probeHeadless();
 * console.log('error' in probe ? `headless: ${probe.error}` : `headless: ${probe.summary}`);
 */
export async function probeHeadless(
  options: Pick<HeadlessRuntimeOptions, 'executablePath' | 'log'> = {},
): Promise<HeadlessAdapter | { error: string }> {
  try {
    const runtime = await launchHeadlessRuntime({ ...options, engine: 'webgpu' });
    const adapter = runtime.adapter;
    await runtime.close();
    return adapter ?? { error: 'no adapter reported' };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
