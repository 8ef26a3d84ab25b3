#version 330 core
// Depth only in normal use (colour writes masked off); the debug view draws it in a translucent colour.
out vec4 fragColor;
uniform vec4 uColor;
void main() {
  fragColor = uColor;
}
