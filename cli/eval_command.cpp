#include <iostream>

#include "cli/commands.hpp"

namespace facefilter::cli {

int evalCommand(const std::vector<std::string>&) {
  std::cerr << "facefilter-cli eval: not built yet\n";
  return kExitFailed;
}

}  // namespace facefilter::cli
