/**
 * Binary job transport between Node and the headless page. Browser-safe: the page bundle and the
 * Node runtime share this file, so both sides always agree on the layout.
 *
 * Why binary and not JSON: an 11x384x384 stack is 6.5 MB of RGBA planes and its result 2.4 MB of
 * images and float maps; base64 in JSON would add a third, cost a copy on each side and block the
 * page's main thread on parsing. Here the planes go out as they are (Node writes the callers'
 * arrays straight to the socket) and every array on the receiving side is a view, not a copy.
 *
 * One container format carries both directions:
 * ```
 * 'FFJ1'  u32 LE header length H  H bytes of UTF-8 JSON header  pad to 8
 * section 0  pad to 8   section 1  pad to 8  ...                 (lengths listed in the header)
 * ```
 * Sections start on 8-byte boundaries so Float32Array views need no copy.
 */
import { FocusFuseError } from '../core/errors.js';
import type { FuseResult, ResolvedOptions, StackMeta, StackStats, ZStack } from '../core/types.js';
import type { AdapterDescription } from '../gpu/adapter.js';

const MAGIC = [0x46, 0x46, 0x4a, 0x31]; // 'FFJ1'
const ALIGN = 8;

/** Bytes in a container header on top of its JSON text. */
const PREFIX_BYTES = 8;

/** Header of a job sent to the page: options for the whole batch, then one entry per stack. */
export interface InputHeader {
  kind: 'input';
  options: ResolvedOptions;
  /**
   * planeSizes: each plane's own size inside the padded buffer (mixed-size stacks, for alignment);
   * covered: the pixels every plane covers (ZStack.covered), as plain numbers.
   */
  stacks: Array<{ name: string; width: number; height: number; planeCount: number; planeSizes?: ZStack['planeSizes']; covered?: number[] }>;
  sections: number[];
}

/** What the page reports for one stack: either a result's non-array parts or an error message. */
export type WireOutcome =
  | {
      ok: true;
      width: number;
      height: number;
      planeCount: number;
      hasFocus: boolean;
      stats: StackStats;
      timings: Record<string, number>;
      backend: FuseResult['backend'];
      alignment?: FuseResult['alignment'];
      depthFallback?: FuseResult['depthFallback'];
    }
  | { ok: false; name: string; message: string };

/** Header of a job's result, posted back by the page. `page` holds job-level timings (ms). */
export interface ResultHeader {
  kind: 'result';
  outcomes: WireOutcome[];
  page: { fetchMs: number; decodeMs: number; fuseMs: number };
  sections: number[];
}

/** A failed stack as decoded on the Node side. */
export interface StackFailure {
  name: string;
  message: string;
}

function padding(length: number): number {
  return (ALIGN - (length % ALIGN)) % ALIGN;
}

const ZEROS = new Uint8Array(ALIGN);

function asBytes(view: ArrayBufferView): Uint8Array {
  return view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * Lays a header and sections out as a list of byte chunks; nothing is copied, so a caller can
 * write the chunks to a socket or wrap them in a Blob.
 * @example
 * const parts = containerParts({ kind: 'input', ... }, planes);
 * const total = parts.reduce((n, p) => n + p.byteLength, 0);
 */
export function containerParts<H extends { sections: number[] }>(
  header: Omit<H, 'sections'>,
  sections: ArrayBufferView[],
): Uint8Array[] {
  const json = new TextEncoder().encode(JSON.stringify({ ...header, sections: sections.map((s) => s.byteLength) }));
  const prefix = new Uint8Array(PREFIX_BYTES);
  prefix.set(MAGIC);
  new DataView(prefix.buffer).setUint32(4, json.byteLength, true);
  const parts: Uint8Array[] = [prefix, json, ZEROS.subarray(0, padding(PREFIX_BYTES + json.byteLength))];
  for (const section of sections) {
    parts.push(asBytes(section), ZEROS.subarray(0, padding(section.byteLength)));
  }
  return parts.filter((part) => part.byteLength > 0);
}

/** Total length in bytes of a list of chunks. */
export function byteLengthOf(parts: Uint8Array[]): number {
  return parts.reduce((total, part) => total + part.byteLength, 0);
}

/**
 * Reads a container back: the parsed header and one view per section (no copies).
 * @example const { header, sections } = readContainer<InputHeader>(new Uint8Array(await response.arrayBuffer()));
 * @throws FocusFuseError (code BACKEND) when the bytes are not a well-formed container.
 */
export function readContainer<H extends { sections: number[] }>(bytes: Uint8Array): { header: H; sections: Uint8Array[] } {
  const broken = (why: string): never => {
    throw new FocusFuseError('BACKEND', `headless transport: malformed job container (${why})`);
  };
  if (bytes.byteLength < PREFIX_BYTES || MAGIC.some((byte, i) => bytes[i] !== byte)) broken('bad magic');
  const jsonLength = new DataView(bytes.buffer, bytes.byteOffset, PREFIX_BYTES).getUint32(4, true);
  if (PREFIX_BYTES + jsonLength > bytes.byteLength) broken('header runs past the end');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + jsonLength))) as H;
  if (!Array.isArray(header.sections)) broken('no section list');
  let offset = PREFIX_BYTES + jsonLength;
  offset += padding(offset);
  const sections = header.sections.map((length) => {
    if (!Number.isInteger(length) || length < 0 || offset + length > bytes.byteLength) broken('section runs past the end');
    const section = bytes.subarray(offset, offset + length);
    offset += length + padding(length);
    return section;
  });
  return { header, sections };
}

/** A Float32Array over a section, copying only if the bytes are not 4-byte aligned. */
function floatsOf(section: Uint8Array): Float32Array {
  const aligned = section.byteOffset % 4 === 0 ? section : section.slice();
  return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
}

/** The name a stack goes by in errors and logs. */
export function stackName(stack: ZStack, index: number): string {
  return stack.meta?.name ?? `stack #${index}`;
}

/**
 * Encodes a batch of stacks for the page: the planes are referenced, not copied.
 * @example const parts = inputJobParts([stack], resolveOptions({ measure: 'teng' }));
 */
export function inputJobParts(stacks: ZStack[], options: ResolvedOptions): Uint8Array[] {
  const header: Omit<InputHeader, 'sections'> = {
    kind: 'input',
    options,
    stacks: stacks.map((stack, i) => ({
      name: stackName(stack, i),
      width: stack.width,
      height: stack.height,
      planeCount: stack.planes.length,
      planeSizes: stack.planeSizes,
      covered: stack.covered && Array.from(stack.covered),
    })),
  };
  return containerParts<InputHeader>(header, stacks.flatMap((stack) => stack.planes));
}

/**
 * Decodes a job in the page: stacks whose planes are views into `bytes`.
 * @example const { stacks, options } = readInputJob(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 */
export function readInputJob(bytes: Uint8Array): { options: ResolvedOptions; stacks: ZStack[] } {
  const { header, sections } = readContainer<InputHeader>(bytes);
  let next = 0;
  const stacks = header.stacks.map(({ name, width, height, planeCount, planeSizes, covered }): ZStack => {
    const planes = sections.slice(next, next + planeCount);
    next += planeCount;
    const stack: ZStack = { width, height, planes, meta: { name } };
    if (planeSizes) stack.planeSizes = planeSizes;
    if (covered) stack.covered = Int32Array.from(covered);
    return stack;
  });
  return { options: header.options, stacks };
}

/**
 * Encodes the page's outcomes (results or per-stack errors) for the POST back to Node.
 * @example const body = new Blob(resultJobParts(outcomes, timings));
 */
export function resultJobParts(outcomes: Array<FuseResult | StackFailure>, page: ResultHeader['page']): Uint8Array[] {
  const sections: ArrayBufferView[] = [];
  const wire = outcomes.map((outcome): WireOutcome => {
    if ('message' in outcome) return { ok: false, name: outcome.name, message: outcome.message };
    sections.push(outcome.image, outcome.depth, outcome.rawDepth, outcome.confidence, ...(outcome.focus ?? []));
    return {
      ok: true,
      width: outcome.width,
      height: outcome.height,
      planeCount: outcome.planeCount,
      hasFocus: outcome.focus !== undefined,
      stats: outcome.stats,
      timings: outcome.timings,
      backend: outcome.backend,
      alignment: outcome.alignment,
      depthFallback: outcome.depthFallback,
    };
  });
  return containerParts<ResultHeader>({ kind: 'result', outcomes: wire, page }, sections);
}

/**
 * Decodes a result container on the Node side into FuseResults (arrays are views into `bytes`)
 * and failures, in the order of the job's stacks.
 * @example const { outcomes } = readResultJob(body, options, stacks.map((s) => s.meta));
 */
export function readResultJob(
  bytes: Uint8Array,
  options: ResolvedOptions,
  metas: Array<StackMeta | undefined>,
): { outcomes: Array<FuseResult | StackFailure>; page: ResultHeader['page'] } {
  const { header, sections } = readContainer<ResultHeader>(bytes);
  if (header.outcomes.length !== metas.length) {
    throw new FocusFuseError('BACKEND', `headless transport: expected ${metas.length} results but received ${header.outcomes.length}`);
  }
  let next = 0;
  const take = () => sections[next++];
  const outcomes = header.outcomes.map((wire, i): FuseResult | StackFailure => {
    if (!wire.ok) return { name: wire.name, message: wire.message };
    const result: FuseResult = {
      width: wire.width,
      height: wire.height,
      planeCount: wire.planeCount,
      image: take(),
      depth: floatsOf(take()),
      rawDepth: floatsOf(take()),
      confidence: floatsOf(take()),
      stats: wire.stats,
      options,
      backend: wire.backend,
      timings: wire.timings,
    };
    if (wire.alignment) result.alignment = wire.alignment;
    if (wire.depthFallback) result.depthFallback = wire.depthFallback;
    if (wire.hasFocus) result.focus = Array.from({ length: wire.planeCount }, () => floatsOf(take()));
    if (metas[i] !== undefined) result.meta = metas[i];
    return result;
  });
  return { outcomes, page: header.page };
}

/**
 * Upper bound of a result container's size for a batch, so the server can refuse anything larger
 * before reading it. The JSON allowance covers stats (two arrays of Z numbers), timings and the
 * alignment report (a 3x3 transform and a few fields per plane).
 */
export function maxResultBytes(stacks: ZStack[], options: ResolvedOptions): number {
  return stacks.reduce((total, stack) => {
    const pixels = stack.width * stack.height;
    const maps = 4 + (options.keepFocus ? stack.planes.length : 0);
    return total + maps * (pixels * 4 + ALIGN) + 4096 + 1024 * stack.planes.length;
  }, 65_536);
}

/** The adapter a headless page got, and the browser hosting it (timings only compare on the same pair). */
export type HeadlessAdapter = AdapterDescription & {
  /** e.g. `Chrome/156.0.8078.108`. */
  browser: string;
};

/** What the page answers to `runJob`: nothing when the job went through, else why the page is unusable. */
export interface JobSummary {
  fatal?: string;
}
