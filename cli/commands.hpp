#pragma once
// facefilter-cli's subcommands. Each adds itself, with its options, to the program's App; once the command
// line is parsed, the run function of the subcommand given does the work and returns the exit code
// (settings/command_line.hpp: 0 done, 1 nothing done, 2 partly done).

#include <functional>

#include <CLI/CLI.hpp>

namespace facefilter::cli {

struct Command {
  CLI::App* app;             // the subcommand: parsed() says whether it was given
  std::function<int()> run;  // reads the values the parse left in the command's options
};

Command addDetectCommand(CLI::App& cli);
Command addRunCommand(CLI::App& cli);
Command addEvalCommand(CLI::App& cli);
Command addCamerasCommand(CLI::App& cli);

}  // namespace facefilter::cli
