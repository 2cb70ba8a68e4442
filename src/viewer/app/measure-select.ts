/**
 * The measure list comes from the library's MEASURES, so the page offers every measure the engines
 * implement (all eight) and a new one appears without touching the page.
 */
import { DEFAULT_OPTIONS, MEASURES } from '../../core/options.js';

/**
 * Fills the measure `<select>` with one option per measure, the default selected.
 * @example fillMeasureSelect(byId<HTMLSelectElement>('measure'));
 */
export function fillMeasureSelect(select: HTMLSelectElement): void {
  select.replaceChildren(
    ...MEASURES.map((measure) => {
      const option = document.createElement('option');
      option.value = measure;
      option.textContent = measure;
      option.selected = measure === DEFAULT_OPTIONS.measure;
      return option;
    }),
  );
}
