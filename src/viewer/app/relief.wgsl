// The 3D relief: the fused image draped over the depth map, lit by one directional light so the
// relief reads as shape and not only as colour.

struct Uniforms {
  mvp: mat4x4f,
  // xyz: direction towards the light (world space); w unused.
  light: vec4f,
}

@group(0) @binding(0) var<uniform> uniforms: Uniforms;
@group(0) @binding(1) var fusedTexture: texture_2d<f32>;
@group(0) @binding(2) var fusedSampler: sampler;

struct VertexOut {
  @builtin(position) position: vec4f,
  @location(0) uv: vec2f,
  @location(1) normal: vec3f,
}

@vertex
fn vs(@location(0) position: vec3f, @location(1) uv: vec2f, @location(2) normal: vec3f) -> VertexOut {
  var out: VertexOut;
  out.position = uniforms.mvp * vec4f(position, 1.0);
  out.uv = uv;
  out.normal = normal;
  return out;
}

@fragment
fn fs(in: VertexOut) -> @location(0) vec4f {
  let colour = textureSample(fusedTexture, fusedSampler, in.uv).rgb;
  // Half ambient so the side away from the light still shows the image.
  let shade = 0.5 + 0.5 * max(dot(normalize(in.normal), normalize(uniforms.light.xyz)), 0.0);
  return vec4f(colour * shade, 1.0);
}

// The focal plane on screen, a translucent sheet: where it cuts the relief is what is in focus.
@fragment
fn fsPlane(in: VertexOut) -> @location(0) vec4f {
  return vec4f(1.0, 0.8, 0.25, 0.22);
}
