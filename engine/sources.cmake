# The engine's sources, relative to engine/. Two lists because the fuzz build (fuzz/CMakeLists.txt) compiles
# only the parsers of user files and what they call, without LibTorch; a file those parsers come to need goes
# in the first list.
set(FACEFILTER_ENGINE_PARSER_SOURCES
  core/logging.cpp
  detect/face_detector.cpp
  detect/haar_cascade.cpp
  keypoints/face_crop.cpp
  track/face_tracker.cpp
  eval/keypoints_dataset.cpp
  filters/filter_description.cpp
  keypoints/model_metadata.cpp
)
set(FACEFILTER_ENGINE_SOURCES
  ${FACEFILTER_ENGINE_PARSER_SOURCES}
  core/data_dir.cpp
  core/data_paths.cpp
  capture/source_spec.cpp
  capture/image_convert.cpp
  capture/video_file_source.cpp
  capture/image_source.cpp
  capture/camera_source.cpp
  capture/open_source.cpp
  capture/capture_thread.cpp
  keypoints/keypoint_model.cpp
  keypoints/refine.cpp
  pipeline/face_pipeline.cpp
  pipeline/engine_thread.cpp
  io/json_output.cpp
  io/result_json.cpp
  io/annotate.cpp
  eval/keypoint_eval.cpp
  filters/head_pose.cpp
  filters/face_light.cpp
  filters/filter_geometry.cpp
  filters/filter_catalog.cpp
)
