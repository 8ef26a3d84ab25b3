#version 330 core
// A full-viewport quad from gl_VertexID, sampling a render target texture as stored (GL order: row 0 at
// the bottom, so no flip, unlike video.vert). Shows the scene target in the window's letterbox viewport.
out vec2 vUv;
void main() {
  vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
  vUv = corner;
  gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
