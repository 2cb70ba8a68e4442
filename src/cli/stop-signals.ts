/**
 * Graceful stop of a batch run on SIGINT (Ctrl-C) or SIGTERM (what `kill` and Kubernetes send):
 * the first signal asks the run to stop after the FOVs in progress, a second quits at once. Either
 * way the user is told how to finish the job, and the exit status is the shell's 128 + signal
 * number (130 for SIGINT, 143 for SIGTERM), so scripts can tell the two apart.
 */
import { constants } from 'node:os';

type StopSignal = 'SIGINT' | 'SIGTERM';
const STOP_SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM'];

export interface StopSignals {
  /** Aborted by the first signal. */
  signal: AbortSignal;
  /** 128 + the first signal's number once one came, else undefined. */
  exitCode(): number | undefined;
  /** Removes the handlers (signals then act as Node's default again). */
  dispose(): void;
}

export interface StopSignalOptions {
  /** The command that finishes the job (printed when a second signal quits at once). */
  resumeHint: () => string;
  print?: (line: string) => void;
  exit?: (code: number) => void;
  /** Where the signals come from: `process`, or a stand-in in tests. */
  source?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/** 128 + the signal's number, the status a shell reports for a process the signal ended. */
export function signalExitCode(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

/**
 * Listens for SIGINT and SIGTERM until dispose().
 * @example
 * const stop = onStopSignals({ resumeHint: () => 'focusfuse batch data --out out --resume' });
 * try { await work(stop.signal); } finally { stop.dispose(); }
 * return stop.exitCode() ?? 0;
 */
export function onStopSignals(options: StopSignalOptions): StopSignals {
  const { print = (line) => console.error(line), exit = (code) => process.exit(code), source = process } = options;
  const controller = new AbortController();
  let first: StopSignal | undefined;
  const handler = (signal: StopSignal) => {
    // SIGINT is named by its key in every line, so the two lines of one Ctrl-C session read alike.
    const name = signal === 'SIGINT' ? 'Ctrl-C' : signal;
    if (first) {
      print(`focusfuse: ${name}: quitting at once; finished FOVs are kept. To finish the job run: ${options.resumeHint()}`);
      exit(signalExitCode(signal));
      return;
    }
    first = signal;
    controller.abort();
    print(`\nfocusfuse: ${signal === 'SIGINT' ? '' : `${name}: `}stopping after the FOVs in progress (${name} again to quit at once)...`);
  };
  for (const signal of STOP_SIGNALS) source.on(signal, handler);
  return {
    signal: controller.signal,
    exitCode: () => (first ? signalExitCode(first) : undefined),
    dispose: () => STOP_SIGNALS.forEach((signal) => source.off(signal, handler)),
  };
}
