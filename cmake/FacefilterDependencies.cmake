# Every third-party piece the chosen configuration needs, looked for in one place before any target is
# defined. What is absent is collected and reported once, as the Debian packages to install
# (scripts/install-deps.sh installs them all), instead of stopping at the first missing one with CMake's
# own message. The subdirectories use what is found here:
#   FACEFILTER_GLAD              the glad 2 generator (the app's OpenGL loader is generated at build time)
#   FACEFILTER_IMGUI_BACKENDS    the folder of Dear ImGui's GLFW and OpenGL 3 backend sources
# and the usual imported targets (torch, glfw, OpenGL::GL, OpenGL::EGL, PkgConfig::IMGUI, GTest::*, dlib::dlib, ...).

set(_ff_missing "")
set(_ff_packages "")

# _ff_missing(WHAT PACKAGES [NOTE]): records a missing piece and the Debian packages that provide it.
# (No semicolons in the texts: they would split the list.)
macro(_ff_missing what packages)
  set(_ff_line "  - ${what}: Debian package ${packages}")
  if(${ARGC} GREATER 2)
    string(APPEND _ff_line "\n      ${ARGV2}")
  endif()
  list(APPEND _ff_missing "${_ff_line}")
  list(APPEND _ff_packages ${packages})
endmacro()

# _ff_find(FOUND_VAR WHAT PACKAGES <find_package arguments>): find_package quietly, and record it as missing
# when FOUND_VAR is false. A macro, so that what find_package sets stays in the caller's scope.
macro(_ff_find found_var what packages)
  find_package(${ARGN} QUIET)
  if(NOT ${found_var})
    _ff_missing("${what}" "${packages}")
  endif()
endmacro()

# --- Always: the engine's libraries (the fuzz configuration compiles engine sources too).
find_package(Threads REQUIRED)  # part of the C library: never missing on Debian
_ff_find(OpenCV_FOUND "OpenCV >= 4.5 (core imgproc imgcodecs videoio objdetect calib3d)" "libopencv-dev"
         OpenCV 4.5 COMPONENTS core imgproc imgcodecs videoio objdetect calib3d)
_ff_find(spdlog_FOUND "spdlog >= 1.10" "libspdlog-dev" spdlog 1.10)
# The settings file and command lines (header-only), also compiled by the fuzz targets.
_ff_find(nlohmann_json_FOUND "nlohmann_json >= 3.10" "nlohmann-json3-dev" nlohmann_json 3.10)
_ff_find(CLI11_FOUND "CLI11 >= 2.1" "libcli11-dev" CLI11 2.1)
# 3D model filters: glTF 2.0 binaries through tinygltf (a shared library on Debian, with its own image
# decoder unused: ours is OpenCV's) and the node transforms' maths through glm (header-only).
# (No version asked: its version file accepts only the same minor version.)
_ff_find(TinyGLTF_FOUND "tinygltf" "libtinygltf-dev" TinyGLTF)
_ff_find(glm_FOUND "glm (OpenGL Mathematics)" "libglm-dev" glm)

if(NOT FACEFILTER_BUILD_FUZZERS)
  # Recordings (media/): FFmpeg's libraries for encoding and muxing, PulseAudio's client for the microphone.
  find_package(PkgConfig QUIET)
  if(NOT PKG_CONFIG_FOUND)
    _ff_missing("pkg-config (finds FFmpeg's and PulseAudio's libraries)" "pkg-config")
  else()
    pkg_check_modules(FFMPEG QUIET IMPORTED_TARGET libavformat libavcodec libavutil libswscale libswresample)
    if(NOT FFMPEG_FOUND)
      _ff_missing("FFmpeg's libraries (libavformat libavcodec libavutil libswscale libswresample)"
                  "libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev")
    endif()
    pkg_check_modules(PULSE QUIET IMPORTED_TARGET libpulse-simple libpulse)
    if(NOT PULSE_FOUND)
      _ff_missing("PulseAudio's client library (libpulse, libpulse-simple)" "libpulse-dev")
    endif()
    # A camera's MJPG frames are decoded with libjpeg-turbo's TurboJPEG API (engine/capture/jpeg_decode).
    pkg_check_modules(TURBOJPEG QUIET IMPORTED_TARGET libturbojpeg)
    if(NOT TURBOJPEG_FOUND)
      _ff_missing("libjpeg-turbo's TurboJPEG library (libturbojpeg)" "libturbojpeg0-dev")
    endif()
  endif()
  _ff_find(Torch_FOUND "LibTorch (find_package(Torch))" "libtorch-dev" Torch)

  # The build generates tiny random-weight models with Debian's PyTorch (tests, the bench's seed row).
  if(FACEFILTER_BUILD_TESTS OR FACEFILTER_BUILD_BENCH)
    execute_process(COMMAND "${FACEFILTER_PYTHON}" -c "import torch"
                    RESULT_VARIABLE _ff_py_torch OUTPUT_QUIET ERROR_QUIET)
    if(NOT _ff_py_torch EQUAL 0)
      _ff_missing("PyTorch for ${FACEFILTER_PYTHON} (FACEFILTER_PYTHON), which generates the test models"
                  "python3-torch")
    endif()
  endif()

  if(FACEFILTER_BUILD_TESTS)
    _ff_find(GTest_FOUND "GoogleTest >= 1.10" "libgtest-dev" GTest 1.10)
  endif()

  if(FACEFILTER_BUILD_BENCH)
    _ff_find(dlib_FOUND "dlib >= 19.20 (the bench's classic peer)" "libdlib-dev" dlib 19.20)
  endif()

  if(FACEFILTER_BUILD_APP)
    _ff_find(glfw3_FOUND "GLFW >= 3.3" "libglfw3-dev" glfw3 3.3)
    _ff_find(OpenGL_FOUND "OpenGL headers and libraries" "libgl-dev libopengl-dev" OpenGL)
    # EGL: headless runs without a display make their context through it (OpenGL::EGL).
    find_package(OpenGL QUIET COMPONENTS EGL)
    if(NOT OpenGL_EGL_FOUND)
      _ff_missing("EGL headers and library (headless rendering without a display)" "libegl-dev")
    endif()

    # Dear ImGui: the core through pkg-config; Debian ships its backends as example sources only.
    find_package(PkgConfig QUIET)
    if(PKG_CONFIG_FOUND)
      pkg_check_modules(IMGUI QUIET IMPORTED_TARGET imgui)
    endif()
    if(NOT PKG_CONFIG_FOUND)
      _ff_missing("pkg-config (finds Dear ImGui)" "pkg-config")
    elseif(NOT IMGUI_FOUND)
      _ff_missing("Dear ImGui (pkg-config module imgui)" "libimgui-dev")
    endif()
    set(FACEFILTER_IMGUI_BACKENDS "/usr/share/doc/libimgui-dev/examples/backends" CACHE PATH
        "Folder holding Dear ImGui's imgui_impl_glfw.cpp and imgui_impl_opengl3.cpp")
    if(NOT EXISTS "${FACEFILTER_IMGUI_BACKENDS}/imgui_impl_glfw.cpp"
       OR NOT EXISTS "${FACEFILTER_IMGUI_BACKENDS}/imgui_impl_opengl3.cpp")
      # Container images often drop /usr/share/doc (a dpkg path-exclude); the backends live there.
      _ff_missing("Dear ImGui's backend sources imgui_impl_glfw.cpp and imgui_impl_opengl3.cpp in ${FACEFILTER_IMGUI_BACKENDS}"
                  "libimgui-dev"
                  "(where dpkg excludes /usr/share/doc, allow /usr/share/doc/libimgui-dev/* and reinstall it, or set FACEFILTER_IMGUI_BACKENDS)")
    endif()

    # glad 1 has the same program name but another command line and output (glad.h, not glad/gl.h).
    find_program(FACEFILTER_GLAD glad DOC "glad 2 generator (Debian python3-glad)")
    if(NOT FACEFILTER_GLAD)
      _ff_missing("the glad 2 OpenGL loader generator (program glad)" "python3-glad")
    else()
      execute_process(COMMAND "${FACEFILTER_GLAD}" --help
                      RESULT_VARIABLE _ff_glad_rc OUTPUT_VARIABLE _ff_glad_help ERROR_QUIET)
      # glad 2's usage names its generators as subcommands and its APIs as name:profile=version;
      # glad 1 takes --generator and --profile options instead.
      if(NOT _ff_glad_rc EQUAL 0 OR NOT _ff_glad_help MATCHES "name:profile=version"
         OR _ff_glad_help MATCHES "--generator")
        _ff_missing("the glad 2 OpenGL loader generator" "python3-glad"
                    "(${FACEFILTER_GLAD} is not glad 2.x: remove that glad 1, e.g. pip's, or set FACEFILTER_GLAD)")
      endif()
    endif()
  endif()
endif()

if(_ff_missing)
  list(JOIN _ff_missing "\n" _ff_list)
  list(REMOVE_DUPLICATES _ff_packages)
  list(JOIN _ff_packages " " _ff_install)
  message(FATAL_ERROR "facefilter: missing build dependencies:\n${_ff_list}\n"
                      "Install them with:  apt-get install ${_ff_install}\n"
                      "(scripts/install-deps.sh installs everything; FACEFILTER_BUILD_APP, FACEFILTER_BUILD_BENCH and "
                      "FACEFILTER_BUILD_TESTS turn off the parts that need some of them)")
endif()
