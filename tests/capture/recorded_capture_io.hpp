#pragma once
// Cameras as the kernel answers for them, for tests of the capture (engine/capture/camera_source.hpp,
// engine/capture/v4l2/camera_modes.hpp and camera_list.hpp): a VideoDeviceIo with a fake
// /sys/class/video4linux tree and capture nodes that behave as uvcvideo and v4l2loopback do on Debian 12's
// kernel (6.1):
//   - sysfs: videoN/name is the camera's name (uvcvideo: the USB product string), videoN/device/driver links
//   to
//     .../uvcvideo; a UVC camera has a second node (the next number) with the same name and bus that carries
//     only metadata (QUERYCAP device_caps META_CAPTURE | STREAMING); v4l2loopback nodes carry their own
//     attributes (max_openers) and answer driver "v4l2 loopback", with VIDEO_CAPTURE only while a producer
//     writes to them (exclusive_caps=1).
//   - open: ENOENT for a missing node, EACCES when the user may not open it (not in the `video` group).
//   - ENUM_FMT / ENUM_FRAMESIZES / ENUM_FRAMEINTERVALS list the camera's modes in the order
//     `v4l2-ctl --list-formats-ext` prints them (it prints exactly these answers); discrete sizes and
//     intervals as UVC cameras give them; EINVAL past the last entry.
//   - S_FMT: uvcvideo takes the format asked for when the camera has it, else its first format, and the
//     nearest size of that format (uvc_v4l2_try_format); EBUSY while another program streams from the camera.
//     bytesperline is width * 2 for YUYV and 0 for MJPG; sizeimage the frame's maximum bytes.
//   - S_PARM: the nearest interval the mode has.
//   - REQBUFS (MMAP): up to the count asked (uvcvideo allows 32), EBUSY while another program streams;
//     QUERYBUF gives each buffer's length and a page-aligned offset for mmap.
//   - STREAMON: ENOSPC when the USB bus lacks the bandwidth for the mode (uvc_video_start_transfer).
//   - Frames come at the camera's delivered rate on the test's ManualClock (a rate that may be below the
//     mode's, as a camera in a dim room gives): poll waits (moves the clock) until the next frame is due;
//     DQBUF hands the filled buffers in order with their sequence number and a monotonic time stamp
//     (V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC) equal to when the frame was due; EAGAIN when none is filled.
//     A frame is filled only into a queued buffer: a camera whose consumer is slow drops frames, and the
//     sequence numbers show the gap.
//   - Unplugged: poll reports an error, DQBUF and QBUF answer ENODEV, open ENOENT.
// The modes are the cameras' public `v4l2-ctl --list-formats-ext` listings, written down in kC920, kC270 and
// kIntegratedWebcam below and parsed from that text. Test-only; one thread at a time.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "engine/capture/v4l2/camera_modes.hpp"
#include "engine/capture/v4l2/video_device_io.hpp"
#include "engine/core/clock.hpp"

namespace facefilter::test {

// ---------------------------------------------------------------------------------------------------------
// Recorded mode lists: `v4l2-ctl -d /dev/video0 --list-formats-ext` of each camera (v4l-utils 1.22's layout).

// Logitech HD Pro Webcam C920 (046d:082d, USB 2.0): YUYV reaches 30 fps only up to 640x480 (and the small
// 16:9 sizes up to 800x448), 1280x720 at 10 fps, 1920x1080 at 5; MJPG and H.264 give every size up to
// 1920x1080 at 30. After the listings in pikvm/ustreamer#213, Motion-Project/motion#86 and
// jacksonliam/mjpg-streamer#167 (GitHub issues); the YUYV list is whole, the H.264 and MJPG lists keep the
// sizes the tests use (the full listings have more).
inline constexpr const char* kC920 = R"(ioctl: VIDIOC_ENUM_FMT
	Type: Video Capture

	[0]: 'YUYV' (YUYV 4:2:2)
		Size: Discrete 640x480
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 160x90
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 160x120
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 176x144
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 320x180
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 320x240
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 352x288
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 432x240
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 640x360
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 800x448
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 800x600
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 864x480
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 960x720
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 1024x576
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 1280x720
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 1600x896
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 1920x1080
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 2304x1296
			Interval: Discrete 0.500s (2.000 fps)
		Size: Discrete 2304x1536
			Interval: Discrete 0.500s (2.000 fps)
	[1]: 'H264' (H.264, compressed)
		Size: Discrete 640x480
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 1280x720
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 1920x1080
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
	[2]: 'MJPG' (Motion-JPEG, compressed)
		Size: Discrete 640x480
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 160x90
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 320x240
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 640x360
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 800x600
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 960x720
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 1280x720
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 1600x896
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 1920x1080
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.042s (24.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
)";

// Logitech Webcam C270 (046d:0825, USB 2.0, 1280x960 sensor): rates 30/25/20/15/10/5 (7.5 only at
// 1280x960); YUYV reaches 30 fps up to 640x480 and 1280x720 only at 10; MJPG 30 fps at every size. After the
// listings in guysoft/OctoPi#759 and nvtkaszpir/prusa-connect-camera-script#3 (GitHub issues); the MJPG
// list keeps the sizes the tests use.
inline constexpr const char* kC270 = R"(ioctl: VIDIOC_ENUM_FMT
	Type: Video Capture

	[0]: 'YUYV' (YUYV 4:2:2)
		Size: Discrete 640x480
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.040s (25.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 160x120
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.040s (25.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 176x144
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.040s (25.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 320x176
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.040s (25.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 320x240
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.040s (25.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 352x288
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.040s (25.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 432x240
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.040s (25.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 544x288
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.040s (25.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 640x360
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.040s (25.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 752x416
			Interval: Discrete 0.040s (25.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 800x448
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 800x600
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 864x480
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 960x544
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 960x720
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 1024x576
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 1184x656
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 1280x720
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 1280x960
			Interval: Discrete 0.133s (7.500 fps)
			Interval: Discrete 0.200s (5.000 fps)
	[1]: 'MJPG' (Motion-JPEG, compressed)
		Size: Discrete 640x480
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.040s (25.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 160x120
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.040s (25.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 320x240
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.040s (25.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 640x360
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.040s (25.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 800x600
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.040s (25.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 960x720
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.040s (25.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 1280x720
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.040s (25.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
		Size: Discrete 1280x960
			Interval: Discrete 0.033s (30.000 fps)
			Interval: Discrete 0.040s (25.000 fps)
			Interval: Discrete 0.050s (20.000 fps)
			Interval: Discrete 0.067s (15.000 fps)
			Interval: Discrete 0.100s (10.000 fps)
			Interval: Discrete 0.200s (5.000 fps)
)";

// A laptop's built-in camera ("Integrated_Webcam_HD", Sunplus/Realtek UVC modules in Dell and HP laptops,
// 1280x720 sensor): MJPG first, 30 fps at every size; YUYV 30 fps up to 640x480, 1280x720 at 10. Its
// metadata node (/dev/video1) is the second node of the same camera.
inline constexpr const char* kIntegratedWebcam = R"(ioctl: VIDIOC_ENUM_FMT
	Type: Video Capture

	[0]: 'MJPG' (Motion-JPEG, compressed)
		Size: Discrete 1280x720
			Interval: Discrete 0.033s (30.000 fps)
		Size: Discrete 960x540
			Interval: Discrete 0.033s (30.000 fps)
		Size: Discrete 848x480
			Interval: Discrete 0.033s (30.000 fps)
		Size: Discrete 640x480
			Interval: Discrete 0.033s (30.000 fps)
		Size: Discrete 640x360
			Interval: Discrete 0.033s (30.000 fps)
		Size: Discrete 424x240
			Interval: Discrete 0.033s (30.000 fps)
		Size: Discrete 320x240
			Interval: Discrete 0.033s (30.000 fps)
		Size: Discrete 320x180
			Interval: Discrete 0.033s (30.000 fps)
		Size: Discrete 160x120
			Interval: Discrete 0.033s (30.000 fps)
	[1]: 'YUYV' (YUYV 4:2:2)
		Size: Discrete 640x480
			Interval: Discrete 0.033s (30.000 fps)
		Size: Discrete 640x360
			Interval: Discrete 0.033s (30.000 fps)
		Size: Discrete 424x240
			Interval: Discrete 0.033s (30.000 fps)
		Size: Discrete 320x240
			Interval: Discrete 0.033s (30.000 fps)
		Size: Discrete 320x180
			Interval: Discrete 0.033s (30.000 fps)
		Size: Discrete 160x120
			Interval: Discrete 0.033s (30.000 fps)
		Size: Discrete 1280x720
			Interval: Discrete 0.100s (10.000 fps)
)";

// Parses `v4l2-ctl --list-formats-ext` text into modes (formats, sizes and intervals in the printed order).
// A rate printed as "(7.500 fps)" becomes the interval 2/15, as uvcvideo reports it (simplified fractions).
inline std::vector<CameraMode> parseFormatListing(const std::string& text) {
  std::vector<CameraMode> modes;
  std::istringstream in(text);
  std::string line;
  uint32_t fourcc = 0;
  int w = 0, h = 0;
  while (std::getline(in, line)) {
    char cc[5] = {};
    double fps = 0;
    if (const auto q = line.find("]: '"); q != std::string::npos && line.size() >= q + 8) {
      std::memcpy(cc, line.data() + q + 4, 4);
      fourcc = v4l2_fourcc(cc[0], cc[1], cc[2], cc[3]);
    } else if (std::sscanf(line.c_str(), " Size: Discrete %dx%d", &w, &h) == 2) {
    } else if (const auto p = line.find("s ("); p != std::string::npos &&
                                                line.find("Interval") != std::string::npos &&
                                                std::sscanf(line.c_str() + p + 3, "%lf fps", &fps) == 1) {
      CameraMode m;
      m.fourcc = fourcc;
      m.width = w;
      m.height = h;
      auto num = static_cast<uint32_t>(1000), den = static_cast<uint32_t>(std::lround(fps * 1000));
      const uint32_t g = std::gcd(num, den);
      m.intervalNumerator = num / g;
      m.intervalDenominator = den / g;
      modes.push_back(m);
    }
  }
  return modes;
}

// ---------------------------------------------------------------------------------------------------------

class RecordedCaptureIo final : public VideoDeviceIo {
 public:
  enum class Kind { kCamera, kMetadata, kLoopback };
  // A frame's bytes as the camera sends them for a mode, by sequence number.
  using FrameMaker = std::function<std::vector<uint8_t>(const CameraMode& mode, uint32_t sequence)>;

  struct Node {
    Kind kind = Kind::kCamera;
    int number = 0;
    std::string name;
    std::string bus;
    std::vector<CameraMode> modes;
    bool denied = false;         // EACCES on open
    bool busyElsewhere = false;  // another program streams from it
    bool noBandwidth = false;    // STREAMON: ENOSPC
    bool unplugged = false;
    bool producer = false;        // a loopback device with a program writing to it
    double deliveredFps = 0;      // frames per second the camera actually sends; 0: the mode's rate
    bool monotonicStamps = true;  // V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC (else TIMESTAMP_UNKNOWN)
    FrameMaker frames;
  };

  explicit RecordedCaptureIo(ManualClock& clock) : clock_(clock) {}

  Node& addCamera(int number, std::string name, std::string bus, const char* listing,
                  bool withMetadataNode = true) {
    Node n;
    n.number = number;
    n.name = std::move(name);
    n.bus = std::move(bus);
    n.modes = parseFormatListing(listing);
    nodes_.push_back(n);
    if (withMetadataNode) {
      Node meta = n;
      meta.kind = Kind::kMetadata;
      meta.number = number + 1;
      meta.modes.clear();
      nodes_.push_back(meta);
    }
    return *node(number);
  }
  Node& addLoopback(int number, std::string label) {
    Node n;
    n.kind = Kind::kLoopback;
    n.number = number;
    n.name = std::move(label);
    char bus[40];
    std::snprintf(bus, sizeof bus, "platform:v4l2loopback-%03d", number);
    n.bus = bus;
    nodes_.push_back(n);
    return nodes_.back();
  }
  Node* node(int number) {
    for (auto& n : nodes_)
      if (n.number == number) return &n;
    return nullptr;
  }

  // What the capture did, for the tests.
  struct Streamed {
    CameraMode format;  // S_FMT's result (interval from S_PARM)
    uint32_t buffersRequested = 0;
    int queued = 0;
    bool streaming = false;
    int opens = 0;
    int closes = 0;
    int mapped = 0;
  };
  Streamed streamed;

  // --- VideoDeviceIo ---
  int open(const std::string& path) override { return openCapture(path); }
  int openCapture(const std::string& path) override {
    Node* n = byPath(path);
    if (n == nullptr || n->unplugged) return -ENOENT;
    if (n->denied) return -EACCES;
    fds_[nextFd_] = n->number;
    ++streamed.opens;
    return nextFd_++;
  }
  void close(int fd) override {
    if (fds_.erase(fd) == 0) return;
    ++streamed.closes;
    if (fd == streamFd_) {
      streamFd_ = -1;
      streamed.streaming = false;
      buffers_.clear();
    }
  }
  int queryCap(int fd, v4l2_capability& cap) override {
    Node* n = nodeOf(fd);
    if (n == nullptr) return -EBADF;
    cap = {};
    copy(cap.card, sizeof cap.card, n->name);
    copy(cap.bus_info, sizeof cap.bus_info, n->bus);
    uint32_t caps = V4L2_CAP_STREAMING;
    if (n->kind == Kind::kLoopback) {
      copy(cap.driver, sizeof cap.driver, "v4l2 loopback");
      caps |= V4L2_CAP_READWRITE | (n->producer ? V4L2_CAP_VIDEO_CAPTURE : V4L2_CAP_VIDEO_OUTPUT);
    } else {
      copy(cap.driver, sizeof cap.driver, "uvcvideo");
      caps |= V4L2_CAP_EXT_PIX_FORMAT |
              (n->kind == Kind::kMetadata ? V4L2_CAP_META_CAPTURE : V4L2_CAP_VIDEO_CAPTURE);
    }
    cap.device_caps = caps;
    // A UVC device's capabilities are the union of its nodes'.
    cap.capabilities = V4L2_CAP_DEVICE_CAPS | caps |
                       (n->kind == Kind::kLoopback ? 0u : V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_META_CAPTURE);
    return 0;
  }
  int enumFormat(int fd, v4l2_fmtdesc& d) override {
    Node* n = nodeOf(fd);
    if (n == nullptr) return -EBADF;
    if (d.type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return -EINVAL;
    const auto formats = formatsOf(*n);
    if (d.index >= formats.size()) return -EINVAL;
    d.pixelformat = formats[d.index];
    d.flags = compressedFormat(d.pixelformat) ? V4L2_FMT_FLAG_COMPRESSED : 0;
    copy(d.description, sizeof d.description, fourccText(d.pixelformat));
    return 0;
  }
  int enumFrameSizes(int fd, v4l2_frmsizeenum& s) override {
    Node* n = nodeOf(fd);
    if (n == nullptr) return -EBADF;
    const auto sizes = sizesOf(*n, s.pixel_format);
    if (s.index >= sizes.size()) return -EINVAL;
    s.type = V4L2_FRMSIZE_TYPE_DISCRETE;
    s.discrete.width = static_cast<uint32_t>(sizes[s.index].first);
    s.discrete.height = static_cast<uint32_t>(sizes[s.index].second);
    return 0;
  }
  int enumFrameIntervals(int fd, v4l2_frmivalenum& iv) override {
    Node* n = nodeOf(fd);
    if (n == nullptr) return -EBADF;
    uint32_t i = 0;
    for (const auto& m : n->modes) {
      if (m.fourcc != iv.pixel_format || m.width != static_cast<int>(iv.width) ||
          m.height != static_cast<int>(iv.height))
        continue;
      if (i++ == iv.index) {
        iv.type = V4L2_FRMIVAL_TYPE_DISCRETE;
        iv.discrete.numerator = m.intervalNumerator;
        iv.discrete.denominator = m.intervalDenominator;
        return 0;
      }
    }
    return -EINVAL;
  }
  int getFormat(int fd, v4l2_format& f) override {
    if (nodeOf(fd) == nullptr) return -EBADF;
    f.fmt.pix.width = static_cast<uint32_t>(streamed.format.width);
    f.fmt.pix.height = static_cast<uint32_t>(streamed.format.height);
    f.fmt.pix.pixelformat = streamed.format.fourcc;
    return 0;
  }
  int setFormat(int fd, v4l2_format& f) override {
    Node* n = nodeOf(fd);
    if (n == nullptr) return -EBADF;
    if (f.type != V4L2_BUF_TYPE_VIDEO_CAPTURE || n->kind == Kind::kMetadata) return -EINVAL;
    if (n->busyElsewhere || streamed.streaming) return -EBUSY;
    const auto formats = formatsOf(*n);
    if (formats.empty()) return -EINVAL;
    uint32_t fourcc = f.fmt.pix.pixelformat;
    if (std::find(formats.begin(), formats.end(), fourcc) == formats.end()) fourcc = formats.front();
    // uvc_v4l2_try_format: the size with the smallest difference in width and height.
    std::pair<int, int> best{0, 0};
    long bestDiff = -1;
    for (const auto& [w, h] : sizesOf(*n, fourcc)) {
      const long d = std::labs(static_cast<long>(w) - f.fmt.pix.width) +
                     std::labs(static_cast<long>(h) - f.fmt.pix.height);
      if (bestDiff < 0 || d < bestDiff) {
        bestDiff = d;
        best = {w, h};
      }
    }
    f.fmt.pix.pixelformat = fourcc;
    f.fmt.pix.width = static_cast<uint32_t>(best.first);
    f.fmt.pix.height = static_cast<uint32_t>(best.second);
    f.fmt.pix.field = V4L2_FIELD_NONE;
    f.fmt.pix.bytesperline = fourcc == V4L2_PIX_FMT_YUYV ? f.fmt.pix.width * 2 : 0;
    f.fmt.pix.sizeimage = f.fmt.pix.width * f.fmt.pix.height * 2;
    streamed.format.fourcc = fourcc;
    streamed.format.width = best.first;
    streamed.format.height = best.second;
    // The mode's default interval: its first (fastest) one.
    for (const auto& m : n->modes) {
      if (m.fourcc == fourcc && m.width == best.first && m.height == best.second) {
        streamed.format.intervalNumerator = m.intervalNumerator;
        streamed.format.intervalDenominator = m.intervalDenominator;
        break;
      }
    }
    sizeImage_ = f.fmt.pix.sizeimage;
    return 0;
  }
  int setParm(int fd, v4l2_streamparm& p) override {
    Node* n = nodeOf(fd);
    if (n == nullptr) return -EBADF;
    const double want = static_cast<double>(p.parm.capture.timeperframe.numerator) /
                        std::max<uint32_t>(p.parm.capture.timeperframe.denominator, 1);
    const CameraMode* best = nullptr;
    for (const auto& m : n->modes) {
      if (m.fourcc != streamed.format.fourcc || m.width != streamed.format.width ||
          m.height != streamed.format.height)
        continue;
      const double s = static_cast<double>(m.intervalNumerator) / m.intervalDenominator;
      if (best == nullptr ||
          std::abs(s - want) <
              std::abs(static_cast<double>(best->intervalNumerator) / best->intervalDenominator - want))
        best = &m;
    }
    if (best == nullptr) return -EINVAL;
    streamed.format.intervalNumerator = best->intervalNumerator;
    streamed.format.intervalDenominator = best->intervalDenominator;
    p.parm.capture.capability = V4L2_CAP_TIMEPERFRAME;
    p.parm.capture.timeperframe.numerator = best->intervalNumerator;
    p.parm.capture.timeperframe.denominator = best->intervalDenominator;
    return 0;
  }
  int getParm(int fd, v4l2_streamparm& p) override {
    if (nodeOf(fd) == nullptr) return -EBADF;
    p.parm.capture.timeperframe.numerator = streamed.format.intervalNumerator;
    p.parm.capture.timeperframe.denominator = streamed.format.intervalDenominator;
    return 0;
  }
  int requestBuffers(int fd, v4l2_requestbuffers& r) override {
    Node* n = nodeOf(fd);
    if (n == nullptr) return -EBADF;
    if (r.memory != V4L2_MEMORY_MMAP) return -EINVAL;
    if (n->busyElsewhere) return -EBUSY;
    r.count = std::min<uint32_t>(r.count, 32);
    buffers_.assign(r.count, Buf{});
    for (auto& b : buffers_) b.bytes.assign(pageAlign(sizeImage_), 0);
    streamFd_ = fd;
    streamed.buffersRequested = r.count;
    return 0;
  }
  int queryBuffer(int fd, v4l2_buffer& b) override {
    if (fd != streamFd_ || b.index >= buffers_.size()) return -EINVAL;
    b.length = static_cast<uint32_t>(buffers_[b.index].bytes.size());
    b.m.offset = static_cast<uint32_t>(b.index * pageAlign(sizeImage_));
    return 0;
  }
  int mapBuffer(int fd, size_t length, int64_t offset, void** address) override {
    if (fd != streamFd_) return -EINVAL;
    const size_t index = static_cast<size_t>(offset) / pageAlign(sizeImage_);
    if (index >= buffers_.size() || length > buffers_[index].bytes.size()) return -EINVAL;
    *address = buffers_[index].bytes.data();
    ++streamed.mapped;
    return 0;
  }
  void unmapBuffer(void*, size_t) override { --streamed.mapped; }
  int queueBuffer(int fd, v4l2_buffer& b) override {
    Node* n = nodeOf(fd);
    if (n == nullptr || fd != streamFd_ || b.index >= buffers_.size()) return -EINVAL;
    if (n->unplugged) return -ENODEV;
    if (buffers_[b.index].state != State::kDequeued) return -EINVAL;
    buffers_[b.index].state = State::kQueued;
    queue_.push_back(b.index);
    ++streamed.queued;
    return 0;
  }
  int streamOn(int fd, uint32_t type) override {
    Node* n = nodeOf(fd);
    if (n == nullptr || fd != streamFd_ || type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return -EINVAL;
    if (n->noBandwidth) return -ENOSPC;
    streamed.streaming = true;
    // The first frame comes one interval after the stream starts.
    nextDueNs_ = clock_.nowNs() + intervalNs(*n);
    sequence_ = 0;
    return 0;
  }
  int streamOff(int fd, uint32_t) override {
    if (fd != streamFd_) return -EINVAL;
    streamed.streaming = false;
    queue_.clear();
    filled_.clear();
    for (auto& b : buffers_) b.state = State::kDequeued;
    return 0;
  }
  int pollReadable(int fd, int timeoutMs) override {
    Node* n = nodeOf(fd);
    if (n == nullptr) return -EBADF;
    if (n->unplugged) return 1;  // POLLERR
    produceDue(*n);
    if (!filled_.empty()) return 1;
    if (!streamed.streaming || queue_.empty() || intervalNs(*n) <= 0) {
      clock_.advanceNs(int64_t{timeoutMs} * 1'000'000);
      return 0;
    }
    // Wait (on the manual clock) for the next frame, or the timeout.
    const int64_t waitNs = nextDueNs_ - clock_.nowNs();
    if (waitNs > int64_t{timeoutMs} * 1'000'000) {
      clock_.advanceNs(int64_t{timeoutMs} * 1'000'000);
      return 0;
    }
    if (waitNs > 0) clock_.advanceNs(waitNs);
    produceDue(*n);
    return filled_.empty() ? 0 : 1;
  }
  int dequeueBuffer(int fd, v4l2_buffer& b) override {
    Node* n = nodeOf(fd);
    if (n == nullptr || fd != streamFd_) return -EINVAL;
    if (n->unplugged) return -ENODEV;
    produceDue(*n);
    if (filled_.empty()) return -EAGAIN;
    const Filled f = filled_.front();
    filled_.pop_front();
    buffers_[f.index].state = State::kDequeued;
    b.index = f.index;
    b.bytesused = f.bytes;
    b.sequence = f.sequence;
    b.flags = (n->monotonicStamps ? V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC : V4L2_BUF_FLAG_TIMESTAMP_UNKNOWN) |
              V4L2_BUF_FLAG_TSTAMP_SRC_SOE;
    b.timestamp.tv_sec = static_cast<time_t>(f.stampNs / 1'000'000'000);
    b.timestamp.tv_usec = static_cast<suseconds_t>((f.stampNs % 1'000'000'000) / 1000);
    b.field = V4L2_FIELD_NONE;
    return 0;
  }
  ssize_t write(int, const uint8_t*, size_t) override { return -EINVAL; }

  bool exists(const std::string& path) override {
    for (const auto& n : nodes_) {
      const std::string sys = sysPath(n);
      if (path == devPath(n) && !n.unplugged) return true;
      if (path == sys || path == sys + "/name") return true;
      if (n.kind == Kind::kLoopback && path == sys + "/max_openers") return true;
    }
    return false;
  }
  std::optional<std::string> readText(const std::string& path) override {
    for (const auto& n : nodes_)
      if (path == sysPath(n) + "/name") return n.name;
    return std::nullopt;
  }
  std::vector<std::string> listDir(const std::string& path) override {
    std::vector<std::string> out;
    if (path != "/sys/class/video4linux") return out;
    for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it)  // sysfs lists in no particular order
      if (!it->unplugged) out.push_back("video" + std::to_string(it->number));
    return out;
  }
  std::optional<std::string> readLink(const std::string& path) override {
    for (const auto& n : nodes_) {
      if (path != sysPath(n) + "/device/driver") continue;
      if (n.kind == Kind::kLoopback) return "../../../bus/platform/drivers/v4l2loopback";
      return "../../../../../../../bus/usb/drivers/uvcvideo";
    }
    return std::nullopt;
  }

 private:
  enum class State { kDequeued, kQueued };
  struct Buf {
    std::vector<uint8_t> bytes;
    State state = State::kDequeued;
  };
  struct Filled {
    uint32_t index = 0;
    uint32_t bytes = 0;
    uint32_t sequence = 0;
    int64_t stampNs = 0;
  };

  static size_t pageAlign(size_t bytes) { return (bytes + 4095) & ~size_t{4095}; }
  static void copy(uint8_t* dst, size_t size, const std::string& text) {
    std::memcpy(dst, text.data(), std::min(text.size(), size - 1));
  }
  static std::string devPath(const Node& n) { return "/dev/video" + std::to_string(n.number); }
  static std::string sysPath(const Node& n) {
    return "/sys/class/video4linux/video" + std::to_string(n.number);
  }
  static std::vector<uint32_t> formatsOf(const Node& n) {
    std::vector<uint32_t> out;
    for (const auto& m : n.modes)
      if (std::find(out.begin(), out.end(), m.fourcc) == out.end()) out.push_back(m.fourcc);
    return out;
  }
  static std::vector<std::pair<int, int>> sizesOf(const Node& n, uint32_t fourcc) {
    std::vector<std::pair<int, int>> out;
    for (const auto& m : n.modes) {
      const std::pair<int, int> s{m.width, m.height};
      if (m.fourcc == fourcc && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    }
    return out;
  }
  int64_t intervalNs(const Node& n) const {
    const double fps = n.deliveredFps > 0 ? n.deliveredFps : streamed.format.fps();
    return fps > 0 ? static_cast<int64_t>(1e9 / fps) : 0;
  }
  // Every frame due by now is sent: into the oldest queued buffer, or dropped when none is queued.
  void produceDue(Node& n) {
    if (!streamed.streaming || intervalNs(n) <= 0) return;
    while (nextDueNs_ <= clock_.nowNs()) {
      const uint32_t sequence = sequence_++;
      if (!queue_.empty()) {
        const uint32_t index = queue_.front();
        queue_.pop_front();
        Buf& buf = buffers_[index];
        std::vector<uint8_t> data = n.frames ? n.frames(streamed.format, sequence) : std::vector<uint8_t>{};
        const size_t bytes = std::min(data.size(), buf.bytes.size());
        std::copy_n(data.begin(), bytes, buf.bytes.begin());
        filled_.push_back({index, static_cast<uint32_t>(bytes), sequence, nextDueNs_});
      }
      nextDueNs_ += intervalNs(n);
    }
  }
  Node* byPath(const std::string& path) {
    for (auto& n : nodes_)
      if (path == devPath(n)) return &n;
    return nullptr;
  }
  Node* nodeOf(int fd) {
    auto it = fds_.find(fd);
    return it == fds_.end() ? nullptr : node(it->second);
  }

  ManualClock& clock_;
  std::vector<Node> nodes_;
  std::map<int, int> fds_;
  int nextFd_ = 3;
  int streamFd_ = -1;
  uint32_t sizeImage_ = 0;
  std::vector<Buf> buffers_;
  std::deque<uint32_t> queue_;
  std::deque<Filled> filled_;
  int64_t nextDueNs_ = 0;
  uint32_t sequence_ = 0;
};

}  // namespace facefilter::test
