#version 330 core
// The video frame (uploaded as BGR bytes into an RGB texture, so channels arrive in RGB order).
in vec2 vUv;
out vec4 fragColor;
uniform sampler2D uVideo;
uniform float uDim;  // 0 = as is, 1 = black (lighting hint preview, fades)
void main() {
  vec3 c = texture(uVideo, vUv).rgb;
  fragColor = vec4(c * (1.0 - uDim), 1.0);
}
