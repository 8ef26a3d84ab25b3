#version 330 core
// The head occluder (engine/filters/head_occluder.hpp), canonical units, placed by the head pose.
layout(location = 0) in vec3 aPos;
uniform mat4 uMvp;
void main() {
  gl_Position = uMvp * vec4(aPos, 1.0);
}
