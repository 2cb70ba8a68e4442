/**
 * Progress of long alignments: the CLI shows it per plane on a terminal (a 19-plane sweep takes
 * seconds). One process-wide listener, because the estimate runs deep inside an engine that the
 * fusion options (plain, serialisable data) cannot carry a callback into.
 */

/** Called after each registration: `done` of `total` registrations of the stack. */
export type AlignProgressListener = (done: number, total: number) => void;

let listener: AlignProgressListener | undefined;

/**
 * Installs (or, with undefined, removes) the progress listener.
 * @example setAlignProgress((done, total) => process.stderr.write(`\raligning ${done}/${total}`));
 */
export function setAlignProgress(next: AlignProgressListener | undefined): void {
  listener = next;
}

/** Reports progress to the listener, if any. */
export function reportAlignProgress(done: number, total: number): void {
  listener?.(done, total);
}
