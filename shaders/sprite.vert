#version 330 core
// Textured triangles placed in frame pixels (y down). aW is a perspective weight: the position is
// multiplied by it in clip space so that the texture is interpolated perspective-correctly.
layout(location = 0) in vec2 aPos;
layout(location = 1) in vec2 aUv;
layout(location = 2) in float aW;
uniform vec2 uTargetSize;  // frame pixels
out vec2 vUv;
void main() {
  vec2 ndc = vec2(aPos.x / uTargetSize.x * 2.0 - 1.0, 1.0 - aPos.y / uTargetSize.y * 2.0);
  vUv = aUv;
  gl_Position = vec4(ndc * aW, 0.0, aW);
}
