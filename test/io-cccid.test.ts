import { describe, expect, it } from 'vitest';
import { baseName, groupByFov, naturalCompare, orderPlanes, parseCccidName, parseFovKey } from '../src/io/cccid.js';
import { errorOf } from './expect-helpers.js';

const FOLDER = 'NILM/1. Superficial-Intermediate Cells';
const plane = (z: number, serial = '001', cx = 3059, cy = 11012, folder = FOLDER) => `${folder}/${serial}_(${cx},${cy},${z}).jpg`;

/** Shuffles deterministically so the tests do not depend on the listing order. */
function shuffled<T>(items: readonly T[]): T[] {
  return items.map((item, i) => ({ item, key: (i * 7919) % 13 })).sort((a, b) => a.key - b.key).map((x) => x.item);
}

describe('parseCccidName', () => {
  it('parses a path whose folders contain spaces and dots', () => {
    expect(parseCccidName(plane(10))).toEqual({ serial: '001', cx: 3059, cy: 11012, z: 10 });
    expect(parseCccidName('SCC_etc/3. Keratinizing S.C.C/017_(12,5,0).JPG')).toEqual({ serial: '017', cx: 12, cy: 5, z: 0 });
  });

  it('accepts negative coordinates, backslash paths and other image extensions', () => {
    expect(parseCccidName('a\\b c\\9_(-3,-40,2).png')).toEqual({ serial: '9', cx: -3, cy: -40, z: 2 });
    expect(parseCccidName('x_y_(1,2,3).tiff')).toEqual({ serial: 'x_y', cx: 1, cy: 2, z: 3 });
  });

  it('rejects names that are not CCCID names', () => {
    for (const name of ['z01.png', '001_(1,2).jpg', '001_(1,2,3).txt', '001(1,2,3).jpg', '_(1,2,3).jpg', '001_(1,2,x).jpg']) {
      expect(parseCccidName(name), name).toBeUndefined();
    }
  });
});

describe('naturalCompare', () => {
  it('compares digit runs as numbers', () => {
    expect(['z10.png', 'z2.png', 'z1.png', 'z0.png'].sort(naturalCompare)).toEqual(['z0.png', 'z1.png', 'z2.png', 'z10.png']);
    expect(naturalCompare('img 9 b', 'img 10 a')).toBeLessThan(0);
    expect(naturalCompare('a', 'a')).toBe(0);
  });

  it('orders zero-padded and very long numbers exactly and deterministically', () => {
    expect(naturalCompare('z002', 'z10')).toBeLessThan(0);
    expect(naturalCompare('s123456789012345678901', 's123456789012345678902')).toBeLessThan(0);
    expect(Math.sign(naturalCompare('z01', 'z1'))).toBe(-Math.sign(naturalCompare('z1', 'z01')));
    expect(naturalCompare('z01', 'z1')).not.toBe(0);
  });

  it('ignores case except to break exact ties', () => {
    expect(['b.png', 'A.png', 'a.png'].sort(naturalCompare)).toEqual(['A.png', 'a.png', 'b.png']);
  });
});

describe('orderPlanes', () => {
  it('orders names that are signed numbers alone by value (a sweep saved as -9.png .. 9.png), others naturally', () => {
    const sweep = ['-1.png', '9.png', '-9.png', '0.png', '-2.png', '1.png', '+3.png'];
    for (const order of ['auto', 'natural'] as const) {
      expect(orderPlanes(sweep, order).files, order).toEqual(['-9.png', '-2.png', '-1.png', '0.png', '1.png', '+3.png', '9.png']);
    }
    expect(orderPlanes(['dir/-1.5.tif', 'dir/-10.tif', 'dir/2.tif'], 'auto').files).toEqual(['dir/-10.tif', 'dir/-1.5.tif', 'dir/2.tif']);
    // One name that is not a number: natural order for all, as before.
    expect(orderPlanes(['z-1.png', 'z-9.png', 'z0.png'], 'auto').files).toEqual(['z0.png', 'z-1.png', 'z-9.png']);
  });

  it('sorts unpadded CCCID z numerically (2 < 10), not lexically', () => {
    const files = Array.from({ length: 11 }, (_, z) => plane(z));
    const ordered = orderPlanes(shuffled(files), 'auto');
    expect(ordered.files).toEqual(files);
    expect(ordered.cccid).toEqual({ serial: '001', cx: 3059, cy: 11012, z: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
  });

  it('reports a gap in z, naming the neighbouring files and the missing z', () => {
    const files = [0, 1, 2, 3, 5, 6].map((z) => plane(z));
    const error = errorOf(() => orderPlanes(files, 'cccid'));
    expect(error.code).toBe('Z_ORDER');
    expect(error.message).toContain('z=4 is missing');
    expect(error.message).toContain('001_(3059,11012,3).jpg');
    expect(error.message).toContain('001_(3059,11012,5).jpg');
    const wide = errorOf(() => orderPlanes([0, 4].map((z) => plane(z)), 'auto'));
    expect(wide.message).toContain('z=1..3');
  });

  it('reports duplicate z, naming both files', () => {
    const files = [plane(0), plane(1), `${FOLDER}/001_(3059,11012,1).png`];
    const error = errorOf(() => orderPlanes(files, 'auto'));
    expect(error.code).toBe('Z_ORDER');
    expect(error.message).toMatch(/duplicate z: .* both claim z=1/);
    expect(error.message).toContain('001_(3059,11012,1).jpg');
    expect(error.message).toContain('001_(3059,11012,1).png');
  });

  it('refuses several fields of view and says how to pick one', () => {
    const files = [plane(0), plane(1), plane(0, '002', 10, 20), plane(1, '002', 10, 20)];
    const error = errorOf(() => orderPlanes(files, 'auto'));
    expect(error.code).toBe('AMBIGUOUS_INPUT');
    expect(error.message).toContain('001_(3059,11012) (2 planes)');
    expect(error.message).toContain('002_(10,20) (2 planes)');
    // Quoted for the shell: pasted bare, the parentheses are a bash syntax error.
    expect(error.message).toContain("pick one with --fov '001_(3059,11012)' (library: loadStack(input, { fov: '001_(3059,11012)' }))");
  });

  it('uses natural order for other names; mixed names only when asked, never silently under auto', () => {
    const files = ['s/z10.png', 's/z2.png', 's/z1.png'];
    expect(orderPlanes(files, 'auto')).toEqual({ files: ['s/z1.png', 's/z2.png', 's/z10.png'] });
    const mixed = [plane(1), 'x/a.jpg', plane(0)];
    const error = errorOf(() => orderPlanes(mixed, 'auto'));
    expect(error.code).toBe('AMBIGUOUS_INPUT');
    expect(error.message).toContain('2 of 3 files have CCCID names');
    expect(error.message).toContain('a.jpg does not');
    expect(error.message).toContain('--order natural');
    expect(orderPlanes(mixed, 'natural').files.map(baseName)).toEqual(['001_(3059,11012,0).jpg', '001_(3059,11012,1).jpg', 'a.jpg']);
    const one = errorOf(() => orderPlanes([plane(0), 'x/a.jpg', 'x/b.jpg'], 'auto'));
    expect(one.message).toContain('1 of 3 files has a CCCID name <serial>_(<cx>,<cy>,<z>) but a.jpg and 1 more do not');
  });

  it('keeps the given order, and insists on CCCID names under cccid', () => {
    const files = [plane(2), plane(0), plane(1)];
    expect(orderPlanes(files, 'given').files).toEqual(files);
    const error = errorOf(() => orderPlanes([plane(0), 'x/z1.jpg'], 'cccid'));
    expect(error.code).toBe('Z_ORDER');
    expect(error.file).toBe('x/z1.jpg');
    expect(errorOf(() => orderPlanes(files, 'lexical' as never)).message).toBe(
      "Expected one of 'auto', 'cccid', 'natural', 'given' for order but received 'lexical' (string)",
    );
  });
});

describe('groupByFov', () => {
  it('groups by serial, cx, cy and folder, and keeps other names apart', () => {
    const other = `${FOLDER}/readme.jpg`;
    const files = [plane(0), plane(0, '002', 1, 2), plane(1), other, plane(0, '001', 3059, 11012, 'LSIL/2. Koilocytes'), plane(1, '002', 1, 2)];
    const { fovs, other: rest } = groupByFov(files);
    expect(rest).toEqual([other]);
    expect(fovs.map((f) => [f.folder, f.key, f.files.length])).toEqual([
      ['LSIL/2. Koilocytes', '001_(3059,11012)', 1],
      [FOLDER, '001_(3059,11012)', 2],
      [FOLDER, '002_(1,2)', 2],
    ]);
    expect(fovs[2]).toMatchObject({ serial: '002', cx: 1, cy: 2, files: [plane(0, '002', 1, 2), plane(1, '002', 1, 2)] });
  });

  it('parses --fov keys', () => {
    expect(parseFovKey('001_(3059,11012)')).toEqual({ serial: '001', cx: 3059, cy: 11012 });
    expect(parseFovKey('001_(3059,11012,0)')).toBeUndefined();
  });
});
