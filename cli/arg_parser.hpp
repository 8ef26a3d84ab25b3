#pragma once
// A small command-line parser for facefilter-cli's subcommands: --name VALUE options, --flag switches
// and positional arguments, with a generated usage text. Unknown options are errors.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/result.hpp"

namespace facefilter::cli {

class ArgParser {
 public:
  explicit ArgParser(std::string usageLine) : usageLine_(std::move(usageLine)) {}

  ArgParser& option(const std::string& name, const std::string& valueName, const std::string& help,
                    std::string defaultValue = {});
  ArgParser& flag(const std::string& name, const std::string& help);

  Status parse(const std::vector<std::string>& args);

  bool has(const std::string& name) const;  // given on the command line (or a flag set)
  std::string get(const std::string& name) const;  // given value, else the default
  Result<double> number(const std::string& name, double min, double max) const;
  Result<int> integer(const std::string& name, int min, int max) const;
  const std::vector<std::string>& positional() const { return positional_; }
  std::string usage() const;

 private:
  struct Spec {
    std::string valueName, help, defaultValue;
    bool isFlag = false;
  };
  std::string usageLine_;
  std::vector<std::string> order_;
  std::map<std::string, Spec> specs_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

}  // namespace facefilter::cli
