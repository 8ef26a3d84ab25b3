#pragma once
// The one place the app includes the OpenGL loader (glad 2, generated at build time, GL 3.3 core).
#include <glad/gl.h>
