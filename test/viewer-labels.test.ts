/**
 * The viewer page's words for what it lists and refuses (src/viewer/app/load.ts): counts read
 * as English for one as for many; and its line when a depth mode shows one plane (fallback-line.ts).
 */
import { describe, expect, it } from 'vitest';
import { fallbackLine } from '../src/viewer/app/fallback-line.js';
import { leftOutNote, loadStackSource, noImagesError, sourceLabel } from '../src/viewer/app/load.js';
import { groupStacks } from '../src/viewer/stacks.js';
import { fitCamera, resizeCamera } from '../src/viewer/app/view2d.js';

describe('the stack list', () => {
  it('says "1 plane" for a one-image stack, "11 planes" for a CCCID FOV, and flags stacks that cannot be fused (unordered, a hyperstack, 32-bit samples)', () => {
    expect(sourceLabel({ name: 'notes/z1.png', files: ['z1.png'] })).toBe('notes/z1.png (1 plane)');
    const files = Array.from({ length: 11 }, (_, z) => `001_(1,2,${z}).jpg`);
    expect(sourceLabel({ name: 'NILM/A/001_(1,2)', files })).toBe('NILM/A/001_(1,2) (11 planes)');
    expect(sourceLabel({ name: 'b', files: ['z1.png', 'z1.jpg'], error: 'duplicate z' })).toBe('b (2 planes) — cannot be fused');
  });
});

describe('a stack the page cannot open', () => {
  it('names a gap in z once (not "<stack>: <stack>: gap in z")', async () => {
    const files = [0, 1, 3].map((z) => `HSIL/2. Severe/001_(4,7,${z}).jpg`);
    const [group] = groupStacks(files);
    expect(group.error).toMatch(/gap in z/);
    const source = { name: group.name, files: group.files, error: group.error, read: async () => new Blob([]) };
    await expect(loadStackSource(source)).rejects.toThrow(/^HSIL\/2\. Severe\/001_\(4,7\): gap in z: z=2 is missing/);
  });

  it('says an empty plane file is empty, as the CLI does, not "could not be decoded"', async () => {
    const source = { name: 's', files: ['s/z0.jpg'], read: async () => new Blob([]) };
    await expect(loadStackSource(source)).rejects.toThrow(/^s\/z0\.jpg: the file is empty$/);
  });
});

describe('opened files without an image', () => {
  it('says so in the singular for one file and counts several', () => {
    expect(noImagesError(1).message).toContain('the file opened is not a JPEG or PNG image');
    expect(noImagesError(1).message).not.toMatch(/1 files/);
    expect(noImagesError(3).message).toContain('none of the 3 files is a JPEG or PNG image');
    expect(noImagesError(2, 2).message).toContain('the 2 files opened are focusfuse outputs, no planes');
    expect(noImagesError(1, 1).message).toContain('the file opened is a focusfuse output, not a plane');
  });
});

describe('opened files the page leaves out', () => {
  it('names any that are neither JPEG or PNG nor notes and metadata, and says how to view a TIFF', () => {
    expect(leftOutNote(['a/z00.png', 'a/meta.json', 'a/ATTRIBUTION.md', 'a/.DS_Store', 'a/Thumbs.db'])).toBeUndefined();
    expect(leftOutNote(['a/z00.png', 'a/meta.json', 'a/z03.jpeg.bak'])).toBe('Left out 1 file that is not JPEG or PNG: z03.jpeg.bak.');
    expect(leftOutNote(['a/z00.png', 'a/bd.png', 'a/z03.jpeg.bak'], ['a/bd.png'])).toBe(
      'Left out 1 file that is not JPEG or PNG: z03.jpeg.bak. Left out 1 focusfuse output (never planes): bd.png.',
    );
    expect(leftOutNote(['z00.bmp', 'b/z01.tif'])).toBe(
      'Left out 2 files that are not JPEG or PNG: z00.bmp, z01.tif (TIFF: open its folder with focusfuse view <folder>, which converts it).',
    );
  });
});

describe('a depth mode that shows one plane', () => {
  it("says which plane, that the depth and 3D relief are flat because of it, how to fuse per pixel where the page has a switch, and why in the CLI's words", () => {
    expect(fallbackLine({ reason: 'halos', plane: 1 })).toBe(
      'One plane shown (plane 1), so the depth map and the 3D relief are flat. Set one plane to off to fuse per pixel. Why: by the histogram depth, every focus peak off plane 1 lies beside stronger focus on plane 1 (its halos).',
    );
    expect(fallbackLine({ reason: 'inverted', plane: 4 })).toBe(
      'One plane shown (plane 4), so the depth map and the 3D relief are flat. Why: by the edge-aware depth, contrast inverted (focus curves dip between two peaks).',
    );
    expect(fallbackLine({ reason: 'no-evidence', plane: 0 })).toBe('One plane shown (plane 0), so the depth map and the 3D relief are flat. Why: by the edge-aware depth, no focus evidence above tau.');
  });
});

describe('the 2-D camera on a window resize', () => {
  const before = { width: 1100, height: 640 };
  const after = { width: 700, height: 500 };
  it('refits an image shown as fitted', () => {
    expect(resizeCamera(fitCamera(384, 300, before.width, before.height), 384, 300, before, after)).toEqual(fitCamera(384, 300, after.width, after.height));
  });
  it('keeps a zoomed or panned view at its scale, with what was at the centre still there', () => {
    const zoomed = { scale: 3, x: -200, y: -100, fitted: true };
    const resized = resizeCamera(zoomed, 384, 300, before, after);
    expect(resized.scale).toBe(3);
    const centre = (camera: typeof zoomed, box: typeof before) => [(box.width / 2 - camera.x) / camera.scale, (box.height / 2 - camera.y) / camera.scale];
    expect(centre(resized, after)).toEqual(centre(zoomed, before));
  });
});
