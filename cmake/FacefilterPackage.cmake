# The .deb: `cpack --config <build>/CPackConfig.cmake` packs what `cmake --install` installs
# (packaging/CMakeLists.txt, and the programs' install(TARGETS) rules) under /usr. Included by the top-level
# CMakeLists.txt just before include(CPack).

set(FACEFILTER_PACKAGE_MAINTAINER "facefilter maintainers <maintainers@facefilter.example.org>"
    CACHE STRING "The .deb's Maintainer field")
message(STATUS "FACEFILTER_PACKAGE_MAINTAINER = ${FACEFILTER_PACKAGE_MAINTAINER}")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME facefilter)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "facefilter")
set(CPACK_PACKAGE_CONTACT "${FACEFILTER_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "real-time face filters for webcams and videos")
# The extended description (CPack puts the summary above it as the synopsis and indents each line by one
# space, as dpkg wants; "." is an empty line).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "facefilter finds faces with OpenCV's Haar cascades, predicts 68 facial
keypoints per face with its own neural network (LibTorch), tracks and smooths
them, and draws filters (sunglasses, hats, masks) on every face.
.
Three programs: facefilter, the desktop app (OpenGL, with a live control
panel, snapshots and recording; --headless renders a video to a file);
facefilter-cli, faces and keypoints as JSON from images, videos and cameras;
facefilter-bench, speed and accuracy figures on this machine.")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${FACEFILTER_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION video)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # facefilter_<version>_<arch>.deb, as Debian names them
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)

# The shared libraries' packages are computed by dpkg-shlibdeps from the binaries (LibTorch, OpenCV,
# FFmpeg, GLFW, GL/EGL, PulseAudio, spdlog, fmt, dlib, ...), never typed here. What the programs read at run
# time without linking it is listed by hand:
# - opencv-data: the default Haar cascades (/usr/share/opencv4/haarcascades/); without them no program can
#   detect a face, so Depends.
# - opencv-doc: OpenCV's demo clip (--input demo, and the app's fallback when there is no camera). Recommends:
#   apt installs it by default, but it is ~95 MB to download (~270 MB installed) for one clip, and the programs
#   work without it on a camera, a file or an image; --input demo then says the clip is missing.
# - libdlib-data: dlib's iBUG predictor, only for facefilter-bench's peer rows (skipped without it): Suggests.
# - v4l2loopback-dkms: the kernel module behind the app's virtual camera (--virtual-camera), only for that
#   feature, and a kernel module build: Suggests.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "opencv-data")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "opencv-doc")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libdlib-data, v4l2loopback-dkms")

# Debian ships stripped binaries (the debug symbols would go to a -dbgsym package) and 0755 folders.
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
