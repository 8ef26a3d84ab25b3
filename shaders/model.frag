#version 330 core
// Base colour (factor x texture, straight alpha) shaded by ambient + one directional light (the light
// estimated on the face), with the glTF alpha modes: 0 opaque, 1 mask (cut at uAlphaCutoff), 2 blend.
// The renderer builds it twice: with ALPHA_MASK defined (after #version) for masked parts, and without, since
// a shader that may discard keeps a software rasteriser (llvmpipe) from testing depth before shading.
in vec3 vNormal;
in vec2 vUv;
out vec4 fragColor;
uniform sampler2D uBaseColorTexture;
uniform bool uHasTexture;
uniform vec4 uBaseColor;
uniform int uAlphaMode;
uniform float uAlphaCutoff;
uniform float uOpacity;
uniform bool uLit;
uniform vec3 uLightDir;    // towards the light, head frame, unit length
uniform float uLightScale; // the face's level against a typical one: a dim face gives a dim model
uniform float uAmbient;
uniform float uDiffuse;
void main() {
  vec4 c = uBaseColor;
  if (uHasTexture) c *= texture(uBaseColorTexture, vUv);
  if (uAlphaMode == 0) c.a = 1.0;
#ifdef ALPHA_MASK
  if (c.a < uAlphaCutoff) discard;
  c.a = 1.0;
#endif
  if (uLit) {
    vec3 n = normalize(vNormal);
    if (!gl_FrontFacing) n = -n;  // the back of a double-sided surface faces the other way
    c.rgb *= uLightScale * (uAmbient + uDiffuse * max(dot(n, uLightDir), 0.0));
  }
  fragColor = vec4(c.rgb, c.a * uOpacity);
}
