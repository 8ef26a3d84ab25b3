#pragma once
// facefilter-cli's subcommands. Each takes the arguments after its name and returns the exit code:
// 0 done, 1 nothing could be done (bad arguments, a file or model that cannot be used),
// 2 partly done (some inputs failed, or the input broke mid-way; what was processed is kept).

#include <string>
#include <vector>

namespace facefilter::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitPartial = 2;

int detectCommand(const std::vector<std::string>& args);
int runCommand(const std::vector<std::string>& args);
int evalCommand(const std::vector<std::string>& args);

}  // namespace facefilter::cli
