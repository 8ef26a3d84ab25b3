#version 330 core
// A full-target quad from gl_VertexID (no vertex buffer): 4 vertices as a triangle strip.
// The video's top row (texture v = 0) lands at the top of the target.
out vec2 vUv;
void main() {
  vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
  vUv = vec2(corner.x, 1.0 - corner.y);
  gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
