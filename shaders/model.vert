#version 330 core
// A 3D model filter's vertices (the .glb's frame) placed on a face: uMvp takes them to clip space with the
// head pose's pinhole camera (app/render/model_renderer.cpp). Normals go to the head's own frame, where the
// light from the face's balance is given.
layout(location = 0) in vec3 aPos;
layout(location = 1) in vec3 aNormal;
layout(location = 2) in vec2 aUv;
uniform mat4 uMvp;
uniform mat3 uNormalToHead;
out vec3 vNormal;
out vec2 vUv;
void main() {
  vNormal = uNormalToHead * aNormal;
  vUv = aUv;
  gl_Position = uMvp * vec4(aPos, 1.0);
}
