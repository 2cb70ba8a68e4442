/**
 * Folder-level dependencies of src: the shared image operations (src/image) sit below alignment, both
 * engines and the generator, and no two of those folders may import each other in a loop. Edges are
 * read from the import, export-from and dynamic import() statements of src/**\/*.ts, type-only
 * imports included (a cycle of types still ties the folders together).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** The folders whose mutual imports must stay acyclic. */
const LAYERED = ['image', 'cpu', 'align', 'synth', 'gpu'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Top folder under src of a path ('' for files directly in src). */
function folderOf(path: string): string {
  const parts = relative(SRC, path).split(sep);
  return parts.length > 1 ? parts[0] : '';
}

/** Module specifiers of a file: `from '...'` (import and export) and `import('...')`. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm)) {
    found.push(m[1] ?? m[2] ?? m[3]);
  }
  return found;
}

/** Folder-level edges "from -> to" with the files that make each, plus each folder's bare imports. */
function folderEdges(): { edges: Map<string, string[]>; packages: Map<string, Set<string>> } {
  const edges = new Map<string, string[]>();
  const packages = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) {
        if (!packages.has(from)) packages.set(from, new Set());
        packages.get(from)!.add(spec);
        continue;
      }
      const to = folderOf(resolve(dirname(file), spec));
      if (to === from) continue;
      const key = `${from || '(src)'} -> ${to || '(src)'}`;
      const files = edges.get(key) ?? [];
      if (!files.includes(relative(SRC, file))) files.push(relative(SRC, file));
      edges.set(key, files);
    }
  }
  return { edges, packages };
}

/** Every cycle (as a folder path) in the graph restricted to `nodes`, by depth-first search. */
function cycles(edges: Iterable<string>, nodes: string[]): string[][] {
  const next = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const edge of edges) {
    const [from, to] = edge.split(' -> ');
    if (next.has(from) && next.has(to)) next.get(from)!.push(to);
  }
  const found: string[][] = [];
  const walk = (path: string[]): void => {
    for (const to of next.get(path[path.length - 1])!) {
      if (to === path[0]) found.push([...path, to]);
      // Each cycle once: only from its alphabetically first folder.
      else if (!path.includes(to) && to > path[0]) walk([...path, to]);
    }
  };
  for (const start of nodes) walk([start]);
  return found;
}

describe('folder-level imports', () => {
  const { edges, packages } = folderEdges();

  it(`has no import cycle among src/{${LAYERED.join(',')}}`, () => {
    const loops = cycles(edges.keys(), LAYERED).map((loop) => {
      const steps = loop.slice(1).map((to, i) => `${loop[i]} -> ${to}`);
      return steps.map((step) => `${step} (${edges.get(step)!.join(', ')})`).join('; ');
    });
    expect(loops).toEqual([]);
  });

  it('src/image depends on src/core only and stays browser-safe (no node: or npm imports)', () => {
    const outgoing = [...edges.keys()].filter((edge) => edge.startsWith('image -> '));
    expect(outgoing.filter((edge) => edge !== 'image -> core')).toEqual([]);
    expect([...(packages.get('image') ?? [])]).toEqual([]);
  });

  it('the generator, alignment and the CPU engine take blur and luma from src/image', () => {
    // The two imports this folder replaced: alignment borrowing the generator's blur and the CPU luma.
    expect(edges.get('align -> synth')).toBeUndefined();
    expect(edges.get('align -> cpu')).toBeUndefined();
    for (const user of ['align', 'cpu', 'synth']) expect(edges.has(`${user} -> image`)).toBe(true);
  });
});
