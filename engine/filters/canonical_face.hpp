#pragma once
// A generic frontal face in the iBUG 68-point layout, used where the app needs a face of its own: the
// default mask mesh, the 3D model for head pose (solvePnP), and the art generator (scripts/make_filter_art.py
// reads the numbers from this file). Units: the distance between the eye centres is 1; origin midway
// between the eye centres; x to the image right, y down, z towards the camera.
//
// x, y: the symmetrised mean of the Udacity keypoints training set (MIT), each face aligned on its eye
// centres first (a statistic, not a copy of any image or annotation). z: a hand-made ellipsoidal head with
// the nose protruding; a rough generic depth, good enough for yaw/pitch of sprites.

#include <array>

namespace facefilter {

struct CanonicalPoint {
  float x, y, z;
};

inline constexpr std::array<CanonicalPoint, 68> kCanonicalFace68 = {{
    {-1.179f, 0.027f, -0.668f},  {-1.162f, 0.335f, -0.631f},  {-1.111f, 0.616f, -0.542f},
    {-1.054f, 0.888f, -0.462f},  {-0.958f, 1.189f, -0.358f},  {-0.792f, 1.439f, -0.226f},
    {-0.609f, 1.607f, -0.127f},  {-0.368f, 1.755f, -0.044f},  {0.000f, 1.851f, -0.000f},
    {0.368f, 1.755f, -0.044f},   {0.609f, 1.607f, -0.127f},   {0.792f, 1.439f, -0.226f},
    {0.958f, 1.189f, -0.358f},   {1.054f, 0.888f, -0.462f},   {1.111f, 0.616f, -0.542f},
    {1.162f, 0.335f, -0.631f},   {1.179f, 0.027f, -0.668f},   {-0.905f, -0.258f, -0.310f},
    {-0.766f, -0.349f, -0.210f}, {-0.592f, -0.377f, -0.119f}, {-0.432f, -0.361f, -0.062f},
    {-0.290f, -0.321f, -0.027f}, {0.290f, -0.321f, -0.027f},  {0.432f, -0.361f, -0.062f},
    {0.592f, -0.377f, -0.119f},  {0.766f, -0.349f, -0.210f},  {0.905f, -0.258f, -0.310f},
    {0.000f, 0.014f, 0.120f},    {0.000f, 0.222f, 0.220f},    {0.000f, 0.419f, 0.320f},
    {0.000f, 0.586f, 0.420f},    {-0.193f, 0.706f, 0.168f},   {-0.110f, 0.730f, 0.216f},
    {0.000f, 0.756f, 0.250f},    {0.110f, 0.730f, 0.216f},    {0.193f, 0.706f, 0.168f},
    {-0.687f, -0.009f, -0.245f}, {-0.575f, -0.048f, -0.192f}, {-0.435f, -0.048f, -0.143f},
    {-0.305f, 0.008f, -0.110f},  {-0.425f, 0.049f, -0.140f},  {-0.572f, 0.049f, -0.191f},
    {0.305f, 0.008f, -0.110f},   {0.435f, -0.048f, -0.143f},  {0.575f, -0.048f, -0.192f},
    {0.687f, -0.009f, -0.245f},  {0.572f, 0.049f, -0.191f},   {0.425f, 0.049f, -0.140f},
    {-0.405f, 1.092f, 0.026f},   {-0.267f, 1.006f, 0.057f},   {-0.092f, 0.953f, 0.077f},
    {0.000f, 0.971f, 0.080f},    {0.092f, 0.953f, 0.077f},    {0.267f, 1.006f, 0.057f},
    {0.405f, 1.092f, 0.026f},    {0.260f, 1.214f, 0.058f},    {0.137f, 1.283f, 0.074f},
    {0.000f, 1.296f, 0.080f},    {-0.137f, 1.283f, 0.074f},   {-0.260f, 1.214f, 0.058f},
    {-0.376f, 1.087f, 0.034f},   {-0.120f, 1.057f, 0.075f},   {0.000f, 1.052f, 0.080f},
    {0.120f, 1.057f, 0.075f},    {0.376f, 1.087f, 0.034f},    {0.118f, 1.141f, 0.076f},
    {0.000f, 1.153f, 0.080f},    {-0.118f, 1.141f, 0.076f},
}};

}  // namespace facefilter
