/**
 * Cell population profiles: what a field of view of each CCCID subtype roughly looks like under Pap
 * stain (cell and nucleus sizes, shapes, stain mix, clustering). Numbers are pixels at the CCCID
 * scale (384 px fields) and optical densities (OD = -ln transmittance) per RGB channel.
 */

export type Rgb = readonly [number, number, number];

/** Pap stain optical densities: cyanophilic and eosinophilic cytoplasm, keratin, haematoxylin. */
export const STAIN = {
  cyan: [0.5, 0.17, 0.16] as Rgb,
  pink: [0.03, 0.4, 0.26] as Rgb,
  orange: [0.03, 0.32, 0.75] as Rgb,
  nucleus: [1.05, 1.2, 0.6] as Rgb,
} as const;

export interface CellProfile {
  /** Cells per 384x384 field, [min, max]. */
  cells: readonly [number, number];
  /** Cytoplasm radius range in pixels. */
  cellRadius: readonly [number, number];
  /** Nucleus radius range in pixels. */
  nucleusRadius: readonly [number, number];
  /** Boundary irregularity: amplitude of the shape harmonics (0 = ellipse). */
  irregularity: number;
  /** Nuclear contour irregularity (dysplasia). */
  nuclearIrregularity: number;
  /** Nucleus darkness factor (hyperchromasia > 1). */
  nuclearDensity: number;
  /** Chromatin texture strength (0 = smooth, 1 = coarse). */
  chromatin: number;
  /** Share of eosinophilic (pink) cells, the rest cyanophilic. */
  pink: number;
  /** Share of keratinised (orange) cells. */
  orange: number;
  /** Probability of a second nucleus. */
  binucleate: number;
  /** Probability of a koilocytic perinuclear halo. */
  halo: number;
  /** Share of cells that sit in clusters instead of alone. */
  clustered: number;
  /** Neutrophils per field, [min, max]. */
  neutrophils: readonly [number, number];
  /** Small debris specks per field, [min, max]. */
  debris: readonly [number, number];
}

const base: CellProfile = {
  cells: [6, 10],
  cellRadius: [38, 60],
  nucleusRadius: [3.5, 5.5],
  irregularity: 0.1,
  nuclearIrregularity: 0.03,
  nuclearDensity: 1.15,
  chromatin: 0.5,
  pink: 0.5,
  orange: 0,
  binucleate: 0.03,
  halo: 0,
  clustered: 0.25,
  neutrophils: [0, 6],
  debris: [2, 8],
};

/** Profiles by name; every CCCID subtype of the generator maps to one. */
export const PROFILES = {
  superficial: base,
  parabasal: { ...base, cells: [12, 20], cellRadius: [15, 24], nucleusRadius: [6, 8.5], irregularity: 0.04, nuclearDensity: 1, pink: 0.1, clustered: 0.35 },
  endocervical: { ...base, cells: [20, 32], cellRadius: [9, 13], nucleusRadius: [4, 5.5], irregularity: 0.05, nuclearDensity: 0.9, pink: 0, clustered: 0.85 },
  koilocyte: { ...base, cells: [6, 9], cellRadius: [34, 52], nucleusRadius: [6, 9], nuclearDensity: 1.3, binucleate: 0.3, halo: 0.85, pink: 0.45 },
  binucleated: { ...base, cells: [6, 9], nucleusRadius: [5, 7], binucleate: 0.8, halo: 0.2 },
  dysplasia: { ...base, cells: [12, 20], cellRadius: [18, 30], nucleusRadius: [8, 12], irregularity: 0.12, nuclearIrregularity: 0.1, nuclearDensity: 1.35, chromatin: 0.8, pink: 0.2, clustered: 0.55 },
  severeDysplasia: { ...base, cells: [16, 26], cellRadius: [14, 22], nucleusRadius: [8, 11.5], irregularity: 0.1, nuclearIrregularity: 0.12, nuclearDensity: 1.45, chromatin: 0.9, pink: 0.1, clustered: 0.8 },
  carcinoma: { ...base, cells: [12, 20], cellRadius: [14, 42], nucleusRadius: [7, 14], irregularity: 0.22, nuclearIrregularity: 0.16, nuclearDensity: 1.5, chromatin: 1, pink: 0.25, orange: 0.3, clustered: 0.5, debris: [8, 20] },
  glandular: { ...base, cells: [18, 28], cellRadius: [11, 17], nucleusRadius: [6, 9], irregularity: 0.06, nuclearIrregularity: 0.06, nuclearDensity: 1.25, chromatin: 0.7, pink: 0.05, clustered: 0.85 },
} satisfies Record<string, CellProfile>;

export type ProfileName = keyof typeof PROFILES;
