/** Small dense linear systems for the Gauss-Newton fits of src/align. */

/**
 * Solves the k x k system h p = g (h row-major) by Gaussian elimination with partial pivoting into
 * `p`; false if h is singular. h and g are left as they are.
 * @example solve(Float64Array.of(2, 0, 0, 4), Float64Array.of(2, 4), 2, p) // p = [1, 1]
 */
export function solve(h: Float64Array, g: Float64Array, k: number, p: Float64Array): boolean {
  // Copies by the typed-array constructor and swaps through a local, not Float64Array.from and
  // array destructuring: a fresh process runs this interpreted at first, where those walk the
  // iterator protocol.
  const a = new Float64Array(h);
  const v = new Float64Array(g);
  let scale = 0;
  for (let i = 0; i < k; i++) scale = Math.max(scale, Math.abs(a[i * k + i]));
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(a[r * k + col]) > Math.abs(a[pivot * k + col])) pivot = r;
    if (Math.abs(a[pivot * k + col]) <= 1e-12 * scale || scale === 0) return false;
    if (pivot !== col) {
      for (let c = 0; c < k; c++) swap(a, col * k + c, pivot * k + c);
      swap(v, col, pivot);
    }
    for (let r = col + 1; r < k; r++) {
      const f = a[r * k + col] / a[col * k + col];
      for (let c = col; c < k; c++) a[r * k + c] -= f * a[col * k + c];
      v[r] -= f * v[col];
    }
  }
  for (let r = k - 1; r >= 0; r--) {
    let s = v[r];
    for (let c = r + 1; c < k; c++) s -= a[r * k + c] * p[c];
    p[r] = s / a[r * k + r];
  }
  return true;
}

function swap(values: Float64Array, i: number, j: number): void {
  const t = values[i];
  values[i] = values[j];
  values[j] = t;
}
