#version 330 core
// Blend "shade": the art's colour is scaled by the frame's luminance under it relative to the face's mean
// luminance, so the face's own shadows and highlights show through the paint; the art's hue stays. Alpha
// falls off over one feather width inside the mesh's border, so the edge melts into the skin instead of
// ending in a cut. Drawn with (SRC_ALPHA, ONE_MINUS_SRC_ALPHA), like "normal".
in vec2 vUv;
in vec2 vVideoUv;
in float vEdge;
out vec4 fragColor;
uniform sampler2D uArt;
uniform sampler2D uVideo;  // the frame as captured (RGB), not what earlier filters drew
uniform float uOpacity;
uniform float uFaceLevel;  // the face's mean luminance, 0..1
void main() {
  vec4 art = texture(uArt, vUv);
  float luma = dot(texture(uVideo, vVideoUv).rgb, vec3(0.299, 0.587, 0.114));
  // Bounded both ways: a black pixel (a pupil, a deep shadow) keeps a trace of the paint's colour, and a
  // specular highlight does not wash the paint out to white.
  float shade = clamp(luma / max(uFaceLevel, 0.04), 0.15, 1.8);
  float feather = smoothstep(0.0, 1.0, clamp(vEdge, 0.0, 1.0));
  // A highlight brightens the paint up to its brightest at the same hue (no channel clipped on its own,
  // which would turn orange into yellow).
  vec3 rgb = art.rgb * shade;
  rgb /= max(1.0, max(rgb.r, max(rgb.g, rgb.b)));
  fragColor = vec4(rgb, art.a * uOpacity * feather);
}
