// auto's glance (src/align/glance.ts): the sums of one preview pair's normal equations, the twin of
// glanceSums there. The same f64 expressions in the same order as the TypeScript (no fused
// multiply-adds in WebAssembly), so the 36 sums come out with the same bits; the point is that a
// fresh process runs this at compiled speed from the first pixel, where the TypeScript loop is
// interpreted for tens of milliseconds (smear_registered: ~50 ms of a 0.4 s fuse).
//
// a, b: width x height f32 planes; out: 36 f64, in glanceSums' order (h00 .. h06, h11 .. h16, ..,
// h66, g0 .. g6, see).

/** The glance's sums over the pixels at least `edge` from the border. */
export function glanceSums(a: usize, b: usize, width: i32, height: i32, edge: i32, out: usize): void {
  const cx = <f64>(width - 1) / 2;
  const cy = <f64>(height - 1) / 2;
  const row = <usize>width << 2;
  let h00 = 0.0, h01 = 0.0, h02 = 0.0, h03 = 0.0, h04 = 0.0, h05 = 0.0, h06 = 0.0;
  let h11 = 0.0, h12 = 0.0, h13 = 0.0, h14 = 0.0, h15 = 0.0, h16 = 0.0;
  let h22 = 0.0, h23 = 0.0, h24 = 0.0, h25 = 0.0, h26 = 0.0;
  let h33 = 0.0, h34 = 0.0, h35 = 0.0, h36 = 0.0;
  let h44 = 0.0, h45 = 0.0, h46 = 0.0, h55 = 0.0, h56 = 0.0, h66 = 0.0;
  let g0 = 0.0, g1 = 0.0, g2 = 0.0, g3 = 0.0, g4 = 0.0, g5 = 0.0, g6 = 0.0;
  let see = 0.0;
  for (let y = edge; y < height - edge; y++) {
    const yc = <f64>y - cy;
    for (let x = edge; x < width - edge; x++) {
      const p = a + ((<usize>y * <usize>width + <usize>x) << 2);
      const va = <f64>load<f32>(p);
      const vb = <f64>load<f32>(b + (p - a));
      const left = <f64>load<f32>(p - 4);
      const right = <f64>load<f32>(p + 4);
      const up = <f64>load<f32>(p - row);
      const down = <f64>load<f32>(p + row);
      const gx = 0.5 * (right - left);
      const gy = 0.5 * (down - up);
      const xc = <f64>x - cx;
      const c0 = gx * xc + gy * yc;
      const c1 = gy * xc - gx * yc;
      const c6 = left + right + up + down - 4 * va;
      const e = vb - va;
      h00 += c0 * c0; h01 += c0 * c1; h02 += c0 * gx; h03 += c0 * gy; h04 += c0 * va; h05 += c0; h06 += c0 * c6;
      h11 += c1 * c1; h12 += c1 * gx; h13 += c1 * gy; h14 += c1 * va; h15 += c1; h16 += c1 * c6;
      h22 += gx * gx; h23 += gx * gy; h24 += gx * va; h25 += gx; h26 += gx * c6;
      h33 += gy * gy; h34 += gy * va; h35 += gy; h36 += gy * c6;
      h44 += va * va; h45 += va; h46 += va * c6; h55 += 1; h56 += c6; h66 += c6 * c6;
      g0 += c0 * e; g1 += c1 * e; g2 += gx * e; g3 += gy * e; g4 += va * e; g5 += e; g6 += c6 * e;
      see += e * e;
    }
  }
  store<f64>(out, h00); store<f64>(out, h01, 8); store<f64>(out, h02, 16); store<f64>(out, h03, 24);
  store<f64>(out, h04, 32); store<f64>(out, h05, 40); store<f64>(out, h06, 48);
  store<f64>(out, h11, 56); store<f64>(out, h12, 64); store<f64>(out, h13, 72); store<f64>(out, h14, 80);
  store<f64>(out, h15, 88); store<f64>(out, h16, 96);
  store<f64>(out, h22, 104); store<f64>(out, h23, 112); store<f64>(out, h24, 120); store<f64>(out, h25, 128); store<f64>(out, h26, 136);
  store<f64>(out, h33, 144); store<f64>(out, h34, 152); store<f64>(out, h35, 160); store<f64>(out, h36, 168);
  store<f64>(out, h44, 176); store<f64>(out, h45, 184); store<f64>(out, h46, 192); store<f64>(out, h55, 200);
  store<f64>(out, h56, 208); store<f64>(out, h66, 216);
  store<f64>(out, g0, 224); store<f64>(out, g1, 232); store<f64>(out, g2, 240); store<f64>(out, g3, 248);
  store<f64>(out, g4, 256); store<f64>(out, g5, 264); store<f64>(out, g6, 272);
  store<f64>(out, see, 280);
}
