#version 330 core
// Filter art (straight-alpha RGBA) with opacity and a blend mode. The blend equation is set by the
// renderer; here the colour is shaped to suit it:
//   0 normal   (SRC_ALPHA, ONE_MINUS_SRC_ALPHA)   colour, alpha
//   1 additive (SRC_ALPHA, ONE)                   colour, alpha
//   2 multiply (DST_COLOR, ZERO)                  mix(white, colour, alpha)
//   3 screen   (ONE, ONE_MINUS_SRC_COLOR)         colour * alpha
in vec2 vUv;
out vec4 fragColor;
uniform sampler2D uArt;
uniform float uOpacity;
uniform int uBlendMode;
void main() {
  vec4 art = texture(uArt, vUv);
  float a = art.a * uOpacity;
  if (uBlendMode == 2) {
    fragColor = vec4(mix(vec3(1.0), art.rgb, a), 1.0);
  } else if (uBlendMode == 3) {
    fragColor = vec4(art.rgb * a, a);
  } else {
    fragColor = vec4(art.rgb, a);
  }
}
