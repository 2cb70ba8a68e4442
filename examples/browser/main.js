// The smallest complete page that fuses a stack with the focusfuse browser bundle
// (dist/browser/focusfuse.js, built by `npm run build`). Serve the repository root from 127.0.0.1
// (WebGPU needs a secure context) and open /examples/browser/.
import { depthToColor, fuse, orderPlanes } from '../../dist/browser/focusfuse.js';

const status = document.getElementById('status');

/** Decodes an image file to RGBA8 bytes, exactly (no colour management). */
async function decode(file) {
  const bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d');
  context.drawImage(bitmap, 0, 0);
  const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
  return { width: bitmap.width, height: bitmap.height, data: new Uint8Array(data.buffer) };
}

/** Shows RGBA8 pixels in a canvas. */
function show(id, rgba, width, height) {
  const canvas = document.getElementById(id);
  [canvas.width, canvas.height] = [width, height];
  canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
}

document.getElementById('files').addEventListener('change', async (event) => {
  try {
    const byName = new Map([...event.target.files].map((file) => [file.name, file]));
    const { files } = orderPlanes([...byName.keys()]); // CCCID z order, else natural order
    const planes = await Promise.all(files.map((name) => decode(byName.get(name))));
    const { width, height } = planes[0];
    status.textContent = `fusing ${planes.length} planes of ${width}x${height}…`;
    // backend 'auto': the page's WebGPU on a hardware adapter, else the CPU engine (its WebAssembly
    // SIMD fast path, faster than a software adapter such as SwiftShader; the TypeScript reference
    // where the browser lacks wasm SIMD).
    const result = await fuse({ width, height, planes: planes.map((p) => p.data) }, { backend: 'auto' });
    const engine = [result.backend.name, result.backend.runtime].filter(Boolean).join(', ');
    status.textContent = `fused on ${engine}; best single plane ${result.stats.bestPlane}`;
    show('fused', result.image, width, height);
    show('depth', depthToColor(result.depth, result.planeCount), width, height);
  } catch (error) {
    status.textContent = `error: ${error.message}`;
  }
});
