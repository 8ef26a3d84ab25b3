// facefilter-cli: the headless face keypoint tool.

#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"

namespace {

constexpr const char* kUsage =
    "usage: facefilter-cli COMMAND [options]\n"
    "commands:\n"
    "  detect IMAGE...     faces and 68 keypoints per image, as JSON\n"
    "  run --input SRC     process a camera, video, image or folder: keypoints per frame, timings\n"
    "  eval --data DIR     keypoint accuracy and speed on the test split\n"
    "Run 'facefilter-cli COMMAND --help' for a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 1 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "detect") return facefilter::cli::detectCommand(args);
    if (command == "run") return facefilter::cli::runCommand(args);
    if (command == "eval") return facefilter::cli::evalCommand(args);
  } catch (const std::exception& e) {
    std::cerr << "facefilter-cli " << command << ": unexpected error: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "facefilter-cli: unknown command '" << command << "'\n" << kUsage;
  return 1;
}
