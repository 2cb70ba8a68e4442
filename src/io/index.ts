/**
 * Node-side input/output: loading stacks from files, decoding and encoding with sharp, atomic
 * writes. The browser-safe parts (cccid.ts, colormap.ts) can also be imported on their own.
 */
export { checkWritable, isAtomicTempName, writeFileAtomic, writeFilesAtomic } from './atomic.js';
export {
  baseName,
  describeFovs,
  fovKey,
  groupByFov,
  naturalCompare,
  orderPlanes,
  parseCccidName,
  parseFovKey,
  PLANE_ORDERS,
} from './cccid.js';
export type { CccidName, FovGroup, OrderedPlanes, PlaneOrder } from './cccid.js';
export { COLORMAP_SIZE, depthToColor, viridisLut } from './colormap.js';
export { decodeImage, decodePlane, INPUT_FORMATS } from './decode.js';
export type { DecodedPlane, DecodeOptions, InputFormat } from './decode.js';
export {
  CONFIDENCE_SCALE,
  DEPTH_SCALE,
  DEPTH_SCALE_DEEP,
  depthScaleFor,
  encodeConfidence16,
  encodeConfidenceFloat,
  encodeDepth16,
  encodeDepthFloat,
  encodeDepthColor,
  encodeGray16Png,
  encodeRgba,
  JPEG_QUALITY,
  outputFormatFor,
  quantize16,
} from './encode.js';
export type { OutputFormat } from './encode.js';
export { BIT_DEPTH_CHOICES, fusedEncoding, fusedPixels } from './fused-pixels.js';
export type { BitDepthChoice, FusedEncoding } from './fused-pixels.js';
export { IMAGE_EXTENSIONS, loadStack, significantBits } from './load-stack.js';
export { encodeFloatTiff } from './tiff-float.js';
export type { LoadStackOptions } from './load-stack.js';
export { checkOutputs, checkOutputsWritable, OUTPUT_FLAGS, statsDocument, writeResult } from './write-result.js';
export { OUTPUT_TAG_NAMESPACE, outputTagOf, outputTagXmp, readOutputTag } from './output-tag.js';
export type { OutputTagKind } from './output-tag.js';
export type { OutputLabels, ResultOutputs, WriteResultOptions } from './write-result.js';
