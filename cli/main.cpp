// facefilter-cli: the headless face keypoint tool.

#include <iostream>
#include <vector>

#include "cli/commands.hpp"
#include "settings/command_line.hpp"

int main(int argc, char** argv) {
  using namespace facefilter;
  CLI::App app(
      "facefilter-cli: the headless face keypoint tool. Run 'facefilter-cli COMMAND --help' for a "
      "command's options.",
      "facefilter-cli");
  setUpCommandLine(app);
  app.require_subcommand(1);
  const std::vector<cli::Command> commands = {cli::addDetectCommand(app), cli::addRunCommand(app),
                                              cli::addEvalCommand(app), cli::addCamerasCommand(app)};
  if (auto exitCode = parseCommandLine(app, argc, argv)) return *exitCode;
  for (const cli::Command& command : commands) {
    if (!command.app->parsed()) continue;
    try {
      return command.run();
    } catch (const std::exception& e) {
      std::cerr << "facefilter-cli " << command.app->get_name() << ": unexpected error: " << e.what() << "\n";
      return kExitFailed;
    }
  }
  return kExitFailed;  // unreachable: the parse requires one command
}
