/**
 * What a launched Chromium leaves behind if Node goes away without close(): the browser process and
 * its temporary profile (~2 MB in /tmp). Each launch registers both here; they are removed when Node
 * exits (a script that never called close(), process.exit) and on SIGINT, SIGTERM and SIGHUP (Ctrl-C,
 * `kill`, a closed terminal), which would otherwise end Node without its 'exit' event.
 *
 * Signals: only when nobody else listens do we act on one (clean up, then re-raise it so Node ends as
 * it would have, e.g. exit status 130 after Ctrl-C). A program with its own handler (`focusfuse batch`
 * finishes the FOVs in progress first) keeps its behaviour; its eventual exit runs the cleanup.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';

/** A browser process (once started) and the folders it must not outlive. */
export interface Leftover {
  folder: string;
  process?: ChildProcess;
  /** Folders found only at removal time (Chromium's singleton folder, named by a link in the profile). */
  related?: () => string[];
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const live = new Set<Leftover>();

/** Every process id with its parent, and whether its command line mentions `text` (Linux /proc; empty elsewhere). */
function processTable(text: string): { pid: number; ppid: number; mentions: boolean; dead: boolean }[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    try {
      // stat: "pid (comm) state ppid ...", where comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const mentions = readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text);
      return [{ pid: Number(entry), ppid: Number(ppid), mentions, dead: state === 'Z' || state === 'X' }];
    } catch {
      return []; // Gone meanwhile.
    }
  });
}

/**
 * The browser and every process it started (GPU, renderers, zygotes), which outlive a killed
 * browser for a moment and go on writing into the profile: its descendants, and any process whose
 * command line names the profile.
 */
function browserProcesses(root: number | undefined, folder: string): number[] {
  const table = processTable(folder);
  const found = new Set<number>(root === undefined ? [] : [root]);
  for (const entry of table) if (entry.mentions) found.add(entry.pid);
  for (let grew = true; grew; ) {
    grew = false;
    for (const entry of table) {
      if (found.has(entry.ppid) && !found.has(entry.pid)) {
        found.add(entry.pid);
        grew = true;
      }
    }
  }
  return [...found];
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Kills the processes and waits (synchronously: this also runs in 'exit') until they are dead, at most `limitMs`. */
function killAndWaitSync(pids: number[], limitMs: number): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  const until = Date.now() + limitMs;
  const alive = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
    } catch {
      return false;
    }
  };
  while (pids.some(alive) && Date.now() < until) sleepSync(20);
}

function removeNow(leftover: Leftover): void {
  live.delete(leftover);
  const child = leftover.process;
  const running = child !== undefined && child.exitCode === null && child.signalCode === null;
  killAndWaitSync(browserProcesses(running ? child.pid : undefined, leftover.folder), 3_000);
  let related: string[] = [];
  try {
    related = leftover.related?.() ?? [];
  } catch {
    // Nothing to find: the browser never got that far.
  }
  // Retries: a browser killed a moment ago may still be closing files in the folder.
  for (const folder of [...related, leftover.folder]) {
    try {
      rmSync(folder, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    } catch {
      // Never let cleanup turn an exit or a signal into a crash; what is left is at worst a folder.
    }
  }
}

function removeAll(): void {
  for (const leftover of [...live]) removeNow(leftover);
}

function onSignal(signal: NodeJS.Signals): void {
  // Someone else handles this signal and will exit (or not) in its own time: 'exit' cleans up then.
  if (process.listenerCount(signal) > 1) return;
  removeAll();
  unwatch();
  process.kill(process.pid, signal);
}

function watch(): void {
  if (live.size > 0) return;
  process.on('exit', removeAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function unwatch(): void {
  process.off('exit', removeAll);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

/**
 * Registers a folder (and later its browser process) for removal at exit or on a signal.
 * Returns the function that removes them now and forgets them (idempotent).
 * @example const release = registerLeftover({ folder: userDataDir }); ... release();
 */
export function registerLeftover(leftover: Leftover): () => void {
  watch();
  live.add(leftover);
  return () => {
    if (live.has(leftover)) removeNow(leftover);
    if (live.size === 0) unwatch();
  };
}
