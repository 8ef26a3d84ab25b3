#version 330 core
// A mask that keeps the face's own shading (blend "shade"): mesh vertices in frame pixels (y down), the art's
// texture coordinates, and each vertex's distance to the mesh's border in feather widths.
layout(location = 0) in vec2 aPos;
layout(location = 1) in vec2 aUv;
layout(location = 2) in float aEdge;
uniform vec2 uTargetSize;  // frame pixels; the video fills the target, so the same pixels address it
out vec2 vUv;
out vec2 vVideoUv;
out float vEdge;
void main() {
  vUv = aUv;
  vVideoUv = aPos / uTargetSize;  // the video texture's v = 0 is the frame's top row
  vEdge = aEdge;
  gl_Position = vec4(aPos.x / uTargetSize.x * 2.0 - 1.0, 1.0 - aPos.y / uTargetSize.y * 2.0, 0.0, 1.0);
}
