/**
 * What a file found in a stack or dataset folder is, by its name alone: the one rule `fuse`,
 * `batch` and the viewer's folder listing share (README "Which files are planes"). Browser-safe.
 *
 * Passed over without a word: hidden and temporary files, and the notes and metadata that travel
 * with image data (a sample's `meta.json`, `ATTRIBUTION.md`, `notes.txt`, a scanner's `.csv`, Windows'
 * `Thumbs.db`): telling a user about them on every run is noise that buries the warnings that matter.
 * Anything else that is not an image is named in a warning, so a misnamed plane (`z03.jpeg.bak`, a
 * `.bmp`) is never dropped silently.
 */

/** Extensions a folder scan takes as planes; explicit file arguments are decoded whatever their name. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.tif', '.tiff'];

/**
 * Text and metadata files that accompany image data and are never planes (lower case). Only kinds
 * no camera or microscope writes pixels into: a file of any other extension is reported.
 */
export const SIDECAR_EXTENSIONS: readonly string[] = ['.json', '.md', '.txt', '.csv', '.tsv', '.yaml', '.yml', '.xml', '.xmp', '.log', '.ini', '.nfo', '.pdf', '.html'];

/** Files without one of those extensions that are still notes or system clutter (lower case). */
export const SIDECAR_NAMES: readonly string[] = ['thumbs.db', 'desktop.ini', 'readme', 'license', 'licence', 'notice', 'copying', 'authors'];

/** The extension of a file name, lower case, with its dot (`''` when there is none). */
function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

/**
 * Editor backups, partial downloads and our own atomic-write temp files: never planes.
 * @example isHiddenOrTemp('.fused.png.123.4.tmp') // => true
 */
export function isHiddenOrTemp(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~') || /\.(tmp|temp|part|crdownload|swp)$/i.test(name);
}

/**
 * Whether a file name is an image focusfuse decodes in a folder (JPEG, PNG, TIFF by extension).
 * @example isImageName('001_(1,2,0).JPG') // => true; isImageName('z03.jpeg.bak') // => false
 */
export function isImageName(name: string, extensions: readonly string[] = IMAGE_EXTENSIONS): boolean {
  return extensions.includes(extensionOf(name));
}

/**
 * What a folder's file is: `image` (a plane candidate), `quiet` (hidden, temporary, or notes and
 * metadata: passed over without a word) or `other` (not an image: the caller names it in a warning).
 * `extensions`: the images to take (the viewer's page takes no TIFF).
 * @example folderFileKind('meta.json') // => 'quiet'
 * @example folderFileKind('z03.jpeg.bak') // => 'other'
 * @example folderFileKind('z03.bmp') // => 'other'
 */
export function folderFileKind(name: string, extensions: readonly string[] = IMAGE_EXTENSIONS): 'image' | 'quiet' | 'other' {
  if (isHiddenOrTemp(name)) return 'quiet';
  if (isImageName(name, extensions)) return 'image';
  const extension = extensionOf(name);
  // README, LICENSE.rst: the name says it, whatever the extension.
  const stem = name.slice(0, name.length - extension.length).toLowerCase();
  return SIDECAR_EXTENSIONS.includes(extension) || SIDECAR_NAMES.includes(stem) || SIDECAR_NAMES.includes(name.toLowerCase()) ? 'quiet' : 'other';
}
