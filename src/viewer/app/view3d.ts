/// <reference types="@webgpu/types" />
/**
 * The 3D view: the fused image draped over the depth map as a relief, rendered with WebGPU; drag
 * to orbit, wheel to zoom. The camera and transforms come from wgpu-matrix. It asks for its own
 * device: rendering and fusing then never wait on each other's queue.
 */
import { mat4 } from 'wgpu-matrix';
import type { FuseResult } from '../../core/types.js';
import { focalPlaneQuad, reliefMesh, VERTEX_FLOATS } from './relief-mesh.js';
import shaderSource from './relief.wgsl';

/** Orbit camera around the relief's centre: angles in radians, distance in relief widths. */
export interface Orbit {
  yaw: number;
  pitch: number;
  distance: number;
}

export const DEFAULT_ORBIT: Orbit = { yaw: 0.35, pitch: 0.75, distance: 1.6 };

export interface ReliefView {
  /** Uploads a new result's mesh and texture (or clears the view for undefined). */
  setResult(result: FuseResult | undefined): void;
  /** Moves the translucent focal plane to `plane`. */
  setPlane(plane: number): void;
  /** Redraws on the next animation frame (several requests in one frame draw once). */
  requestDraw(): void;
  readonly orbit: Orbit;
}

interface Scene {
  vertices: GPUBuffer;
  indices: GPUBuffer;
  indexCount: number;
  texture: GPUTexture;
  bindGroup: GPUBindGroup;
}

/**
 * Creates the relief view on a canvas, or explains why it cannot (no WebGPU here).
 * @example const view = await createReliefView(canvas); if (typeof view === 'string') showNote(view);
 * @returns the view, or the sentence to show in its place.
 */
export async function createReliefView(canvas: HTMLCanvasElement): Promise<ReliefView | string> {
  const adapter = navigator.gpu ? await navigator.gpu.requestAdapter().catch(() => null) : null;
  if (!adapter) return 'The 3D relief needs WebGPU, which this browser does not offer.';
  const device = await adapter.requestDevice();
  const context = canvas.getContext('webgpu');
  if (!context) return 'The 3D relief could not get a WebGPU canvas context.';
  const format = navigator.gpu.getPreferredCanvasFormat();
  context.configure({ device, format, alphaMode: 'opaque' });
  const module = device.createShaderModule({ code: shaderSource });
  // One explicit layout for both pipelines: the focal plane's shader does not read the texture,
  // and 'auto' layouts would then differ and need two bind groups.
  const bindGroupLayout = device.createBindGroupLayout({
    entries: [
      { binding: 0, visibility: GPUShaderStage.VERTEX | GPUShaderStage.FRAGMENT, buffer: {} },
      { binding: 1, visibility: GPUShaderStage.FRAGMENT, texture: {} },
      { binding: 2, visibility: GPUShaderStage.FRAGMENT, sampler: {} },
    ],
  });
  const layout = device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] });
  const vertex: GPUVertexState = {
    module,
    entryPoint: 'vs',
    buffers: [
      {
        arrayStride: VERTEX_FLOATS * 4,
        attributes: [
          { shaderLocation: 0, offset: 0, format: 'float32x3' },
          { shaderLocation: 1, offset: 12, format: 'float32x2' },
          { shaderLocation: 2, offset: 20, format: 'float32x3' },
        ],
      },
    ],
  };
  const pipeline = device.createRenderPipeline({
    layout,
    vertex,
    fragment: { module, entryPoint: 'fs', targets: [{ format }] },
    primitive: { topology: 'triangle-list', cullMode: 'none' },
    depthStencil: { format: 'depth24plus', depthWriteEnabled: true, depthCompare: 'less' },
  });
  const blend: GPUBlendComponent = { srcFactor: 'src-alpha', dstFactor: 'one-minus-src-alpha' };
  const planePipeline = device.createRenderPipeline({
    layout,
    vertex,
    fragment: { module, entryPoint: 'fsPlane', targets: [{ format, blend: { color: blend, alpha: blend } }] },
    primitive: { topology: 'triangle-list', cullMode: 'none' },
    // Tested against the relief but not written: the sheet is hidden where the specimen is above it.
    depthStencil: { format: 'depth24plus', depthWriteEnabled: false, depthCompare: 'less' },
  });
  const planeVertices = device.createBuffer({ size: 6 * VERTEX_FLOATS * 4, usage: GPUBufferUsage.VERTEX | GPUBufferUsage.COPY_DST });
  const uniforms = device.createBuffer({ size: 80, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const sampler = device.createSampler({ magFilter: 'linear', minFilter: 'linear' });
  const orbit: Orbit = { ...DEFAULT_ORBIT };
  let scene: Scene | undefined;
  let shown: { result: FuseResult; plane: number } | undefined;
  let depthTexture: GPUTexture | undefined;
  let pending = false;

  function destroyScene(): void {
    scene?.vertices.destroy();
    scene?.indices.destroy();
    scene?.texture.destroy();
    scene = undefined;
  }

  function setResult(result: FuseResult | undefined): void {
    destroyScene();
    shown = result && { result, plane: shown?.plane ?? 0 };
    if (!result) return view.requestDraw();
    const mesh = reliefMesh(result.depth, result.width, result.height, result.planeCount, result.confidence);
    const vertices = device.createBuffer({ size: mesh.vertices.byteLength, usage: GPUBufferUsage.VERTEX | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(vertices, 0, mesh.vertices);
    const indices = device.createBuffer({ size: Math.max(4, mesh.indices.byteLength), usage: GPUBufferUsage.INDEX | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(indices, 0, mesh.indices);
    const texture = device.createTexture({
      size: [result.width, result.height],
      // Plain unorm: the sRGB bytes go to the (non-sRGB) canvas unchanged, as in the 2D views.
      format: 'rgba8unorm',
      usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
    });
    // (writeTexture's types want a plain ArrayBuffer behind the array; ours always is one.)
    device.queue.writeTexture({ texture }, result.image as Uint8Array<ArrayBuffer>, { bytesPerRow: result.width * 4 }, [result.width, result.height]);
    const bindGroup = device.createBindGroup({
      layout: bindGroupLayout,
      entries: [
        { binding: 0, resource: { buffer: uniforms } },
        { binding: 1, resource: texture.createView() },
        { binding: 2, resource: sampler },
      ],
    });
    scene = { vertices, indices, indexCount: mesh.indices.length, texture, bindGroup };
    view.requestDraw();
  }

  function draw(): void {
    pending = false;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) [canvas.width, canvas.height] = [width, height];
    if (!depthTexture || depthTexture.width !== width || depthTexture.height !== height) {
      depthTexture?.destroy();
      depthTexture = device.createTexture({ size: [width, height], format: 'depth24plus', usage: GPUTextureUsage.RENDER_ATTACHMENT });
    }
    const cosPitch = Math.cos(orbit.pitch);
    const eye = [
      orbit.distance * cosPitch * Math.sin(orbit.yaw),
      -orbit.distance * cosPitch * Math.cos(orbit.yaw),
      orbit.distance * Math.sin(orbit.pitch),
    ];
    const projection = mat4.perspective((45 * Math.PI) / 180, width / height, 0.01, 20);
    const camera = mat4.lookAt(eye, [0, 0, 0.1], [0, 0, 1]);
    const data = new Float32Array(20);
    data.set(mat4.multiply(projection, camera), 0);
    data.set([0.4, -0.6, 0.7, 0], 16);
    device.queue.writeBuffer(uniforms, 0, data);
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginRenderPass({
      colorAttachments: [{ view: context!.getCurrentTexture().createView(), clearValue: { r: 0.08, g: 0.09, b: 0.11, a: 1 }, loadOp: 'clear', storeOp: 'store' }],
      depthStencilAttachment: { view: depthTexture.createView(), depthClearValue: 1, depthLoadOp: 'clear', depthStoreOp: 'store' },
    });
    if (scene && scene.indexCount > 0) {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, scene.bindGroup);
      pass.setVertexBuffer(0, scene.vertices);
      pass.setIndexBuffer(scene.indices, 'uint32');
      pass.drawIndexed(scene.indexCount);
    }
    if (scene && shown && shown.result.planeCount > 1) {
      const { result, plane } = shown;
      device.queue.writeBuffer(planeVertices, 0, focalPlaneQuad(plane, result.planeCount, result.width, result.height));
      pass.setPipeline(planePipeline);
      pass.setBindGroup(0, scene.bindGroup);
      pass.setVertexBuffer(0, planeVertices);
      pass.draw(6);
    }
    pass.end();
    device.queue.submit([encoder.finish()]);
  }

  const view: ReliefView = {
    setResult,
    orbit,
    setPlane(plane) {
      if (!shown || shown.plane === plane) return;
      shown.plane = plane;
      view.requestDraw();
    },
    requestDraw() {
      if (pending) return;
      pending = true;
      requestAnimationFrame(draw);
    },
  };
  attachOrbitInput(canvas, orbit, () => view.requestDraw());
  return view;
}

/** Drag orbits (yaw, pitch kept above the slide), the wheel moves the camera in and out. */
function attachOrbitInput(canvas: HTMLCanvasElement, orbit: Orbit, changed: () => void): void {
  let last: { x: number; y: number } | undefined;
  canvas.addEventListener('pointerdown', (event) => {
    canvas.setPointerCapture(event.pointerId);
    last = { x: event.clientX, y: event.clientY };
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!last) return;
    orbit.yaw -= (event.clientX - last.x) * 0.008;
    orbit.pitch = Math.min(1.5, Math.max(0.05, orbit.pitch + (event.clientY - last.y) * 0.008));
    last = { x: event.clientX, y: event.clientY };
    changed();
  });
  const release = () => (last = undefined);
  canvas.addEventListener('pointerup', release);
  canvas.addEventListener('pointercancel', release);
  canvas.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      orbit.distance = Math.min(8, Math.max(0.3, orbit.distance * Math.exp(event.deltaY * 0.001)));
      changed();
    },
    { passive: false },
  );
}
