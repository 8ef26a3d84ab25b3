#include "cli/arg_parser.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace facefilter::cli {

ArgParser& ArgParser::option(const std::string& name, const std::string& valueName, const std::string& help,
                             std::string defaultValue) {
  order_.push_back(name);
  specs_[name] = Spec{valueName, help, std::move(defaultValue), false};
  return *this;
}

ArgParser& ArgParser::flag(const std::string& name, const std::string& help) {
  order_.push_back(name);
  specs_[name] = Spec{"", help, "", true};
  return *this;
}

Status ArgParser::parse(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() > 2 && a.rfind("--", 0) == 0) {
      std::string name = a.substr(2), value;
      bool inlineValue = false;
      if (const size_t eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        inlineValue = true;
      }
      const auto it = specs_.find(name);
      if (it == specs_.end()) return makeError("unknown option --" + name);
      if (it->second.isFlag) {
        if (inlineValue) return makeError("--" + name + " takes no value");
        values_[name] = "1";
        continue;
      }
      if (!inlineValue) {
        if (i + 1 >= args.size()) return makeError("--" + name + " needs a value (" + it->second.valueName + ")");
        value = args[++i];
      }
      values_[name] = value;
    } else if (a == "--") {
      positional_.insert(positional_.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    } else {
      positional_.push_back(a);
    }
  }
  return Ok{};
}

bool ArgParser::has(const std::string& name) const { return values_.count(name) > 0; }

std::string ArgParser::get(const std::string& name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  if (auto it = specs_.find(name); it != specs_.end()) return it->second.defaultValue;
  return {};
}

Result<double> ArgParser::number(const std::string& name, double min, double max) const {
  const std::string text = get(name);
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno != 0 || !std::isfinite(v) || v < min || v > max) {
    return makeError("--" + name + " must be a number in [" + std::to_string(min) + ", " + std::to_string(max) +
                     "], got '" + text + "'");
  }
  return v;
}

Result<int> ArgParser::integer(const std::string& name, int min, int max) const {
  const std::string text = get(name);
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || end != text.c_str() + text.size() || errno != 0 || v < min || v > max) {
    return makeError("--" + name + " must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                     "], got '" + text + "'");
  }
  return static_cast<int>(v);
}

std::string ArgParser::usage() const {
  std::string out = "usage: " + usageLine_ + "\n";
  if (!order_.empty()) out += "options:\n";
  for (const auto& name : order_) {
    const Spec& s = specs_.at(name);
    std::string left = "  --" + name + (s.isFlag ? "" : " " + s.valueName);
    if (left.size() < 30) left.resize(30, ' ');
    out += left + " " + s.help;
    if (!s.defaultValue.empty()) out += " (default: " + s.defaultValue + ")";
    out += "\n";
  }
  return out;
}

}  // namespace facefilter::cli
