#include "media/pulse_server.hpp"

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <numbers>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pulse/context.h>
#include <pulse/error.h>
#include <pulse/introspect.h>
#include <pulse/mainloop.h>
#include <pulse/simple.h>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it nowhere

namespace facefilter::test {
namespace {

using Steady = std::chrono::steady_clock;

// A daemon that has not answered by then is not going to (its start-up takes well under a second on
// an idle machine, a few on a loaded one).
constexpr auto kStartTimeout = std::chrono::seconds(20);

std::string findProgram(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t begin = 0;
  while (begin <= dirs.size()) {
    const size_t end = std::min(dirs.find(':', begin), dirs.size());
    const fs::path candidate = fs::path(dirs.substr(begin, end - begin)) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    begin = end + 1;
  }
  return {};
}

std::string tail(const std::string& text, size_t chars) {
  return text.size() <= chars ? text : "..." + text.substr(text.size() - chars);
}

// Whether the daemon at `address` answers and already has the test sink's monitor.
bool monitorAnswers(const std::string& address) {
  pa_mainloop* loop = pa_mainloop_new();
  if (loop == nullptr) return false;
  pa_context* context = pa_context_new(pa_mainloop_get_api(loop), "facefilter-test-probe");
  bool found = false;
  bool finished = false;
  if (context != nullptr &&
      pa_context_connect(context, address.c_str(), PA_CONTEXT_NOAUTOSPAWN, nullptr) >= 0) {
    struct Probe {
      bool* found;
      bool* finished;
    } probe{&found, &finished};
    bool asked = false;
    const auto deadline = Steady::now() + std::chrono::seconds(2);
    while (!finished && Steady::now() < deadline) {
      if (pa_mainloop_iterate(loop, 0, nullptr) < 0) break;
      const pa_context_state_t state = pa_context_get_state(context);
      if (!PA_CONTEXT_IS_GOOD(state)) break;
      if (state == PA_CONTEXT_READY && !asked) {
        asked = true;
        pa_operation* op = pa_context_get_source_info_by_name(
            context, kTestMonitor,
            [](pa_context*, const pa_source_info* info, int eol, void* userdata) {
              auto* p = static_cast<Probe*>(userdata);
              if (eol == 0 && info != nullptr) *p->found = true;
              if (eol != 0) *p->finished = true;
            },
            &probe);
        if (op == nullptr) break;
        pa_operation_unref(op);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  if (context != nullptr) {
    pa_context_disconnect(context);
    pa_context_unref(context);
  }
  pa_mainloop_free(loop);
  return found;
}

}  // namespace

ScopedEnv::ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
  if (const char* old = std::getenv(name_.c_str()); old != nullptr) {
    had_ = true;
    old_ = old;
  }
  ::setenv(name_.c_str(), value.c_str(), 1);
}

ScopedEnv::~ScopedEnv() {
  if (had_) {
    ::setenv(name_.c_str(), old_.c_str(), 1);
  } else {
    ::unsetenv(name_.c_str());
  }
}

Result<std::unique_ptr<PulseServer>> PulseServer::start() {
  const std::string program = findProgram("pulseaudio");
  if (program.empty()) return makeError("no pulseaudio program on PATH (Debian package pulseaudio)");

  std::unique_ptr<PulseServer> server(new PulseServer());
  const fs::path& dir = server->dir_.path();
  const fs::path socket = dir / "native";
  const fs::path cookie = dir / "cookie";
  const fs::path runtime = dir / "runtime";
  const fs::path log = dir / "pulseaudio.log";
  fs::create_directories(runtime);
  fs::create_directories(dir / "state");
  // Empty: the daemon's defaults, not what /etc/pulse/daemon.conf of this machine says.
  writeFile((dir / "daemon.conf").string(), "");
  // Anonymous access on a socket only this test knows: no cookie has to be shared with the clients.
  writeFile((dir / "test.pa").string(), "load-module module-native-protocol-unix socket=\"" +
                                            socket.string() +
                                            "\" auth-anonymous=1\n"
                                            "load-module module-null-sink sink_name=" +
                                            kTestSink + "\n");

  // The daemon's environment: this process's, with every path it would write to moved into the folder.
  const std::vector<std::pair<std::string, std::string>> overrides = {
      {"HOME", dir.string()},
      {"XDG_CONFIG_HOME", (dir / "config").string()},
      {"XDG_RUNTIME_DIR", runtime.string()},
      {"PULSE_RUNTIME_PATH", runtime.string()},
      {"PULSE_STATE_PATH", (dir / "state").string()},
      {"PULSE_CONFIG", (dir / "daemon.conf").string()},
      {"PULSE_COOKIE", cookie.string()},
  };
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string key = entry.substr(0, entry.find('='));
    bool replaced = key == "PULSE_SERVER";
    for (const auto& o : overrides) replaced = replaced || key == o.first;
    if (!replaced) env.push_back(entry);
  }
  for (const auto& [key, value] : overrides) env.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  std::vector<std::string> args = {program,
                                   "-n",
                                   "--daemonize=no",
                                   "--exit-idle-time=-1",
                                   "--disallow-exit",
                                   "--use-pid-file=no",
                                   "--no-cpu-limit",
                                   "--realtime=no",
                                   "--high-priority=no",
                                   "--log-target=stderr",
                                   "-F",
                                   (dir / "test.pa").string()};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return makeError("starting " + program + " failed: " + std::strerror(rc));
  server->pid_ = pid;
  server->address_ = "unix:" + socket.string();

  const auto deadline = Steady::now() + kStartTimeout;
  for (;;) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      server->pid_ = -1;
      return makeError("pulseaudio exited at start-up (status " + std::to_string(status) +
                       "): " + tail(readFile(log.string()), 600));
    }
    if (fs::exists(socket) && monitorAnswers(server->address_)) break;
    if (Steady::now() > deadline) {
      return makeError("pulseaudio did not answer within " + std::to_string(kStartTimeout.count()) +
                       " s: " + tail(readFile(log.string()), 600));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // The reader that keeps the sink in short blocks (see the header); sound flowing shows the sink has
  // finished the long block it started with.
  pa_sample_spec spec{};
  spec.format = PA_SAMPLE_FLOAT32LE;
  spec.rate = 48000;
  spec.channels = 1;
  pa_buffer_attr attr{};
  attr.maxlength = static_cast<uint32_t>(-1);
  attr.fragsize = static_cast<uint32_t>(pa_usec_to_bytes(10000, &spec));
  int err = 0;
  pa_simple* reader = pa_simple_new(server->address_.c_str(), "facefilter-test-keeper", PA_STREAM_RECORD,
                                    kTestMonitor, "keeper", &spec, nullptr, &attr, &err);
  if (reader == nullptr)
    return makeError("reading the test sink's monitor failed: " + std::string(pa_strerror(err)));
  PulseServer* self = server.get();
  self->keeper_ = std::thread([self, reader] {
    std::vector<float> block(480);
    int error = 0;
    // Each read waits for at most one block of 10 ms, so the destructor's join is prompt; a read error
    // is the daemon going away (a test may stop it on purpose).
    while (!self->stopKeeper_ &&
           pa_simple_read(reader, block.data(), block.size() * sizeof(float), &error) >= 0) {
      self->keeperHeard_ = true;
    }
    pa_simple_free(reader);
  });
  while (!self->keeperHeard_) {
    if (Steady::now() > deadline) {
      return makeError("the test sink's monitor gave no sound within " +
                       std::to_string(kStartTimeout.count()) + " s: " + tail(readFile(log.string()), 600));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server->server_ = std::make_unique<ScopedEnv>("PULSE_SERVER", server->address_);
  server->runtime_ = std::make_unique<ScopedEnv>("PULSE_RUNTIME_PATH", runtime.string());
  server->cookie_ = std::make_unique<ScopedEnv>("PULSE_COOKIE", cookie.string());
  return server;
}

PulseServer::~PulseServer() {
  stopKeeper_ = true;
  if (keeper_.joinable()) keeper_.join();
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  // A daemon that ignores SIGTERM must not outlive the test, nor hang it.
  const auto deadline = Steady::now() + std::chrono::seconds(5);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (Steady::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::future<Status> playTone(double hz, double seconds, double amplitude, const std::string& sink) {
  return std::async(std::launch::async, [hz, seconds, amplitude, sink]() -> Status {
    pa_sample_spec spec{};
    spec.format = PA_SAMPLE_FLOAT32LE;
    spec.rate = 48000;
    spec.channels = 1;
    // A short buffer, so that the sink (and its monitor) play the tone as it is written, not in bursts.
    pa_buffer_attr attr{};
    attr.maxlength = static_cast<uint32_t>(-1);
    attr.tlength = static_cast<uint32_t>(pa_usec_to_bytes(50000, &spec));
    attr.prebuf = static_cast<uint32_t>(-1);
    attr.minreq = static_cast<uint32_t>(-1);
    attr.fragsize = static_cast<uint32_t>(-1);
    int err = 0;
    pa_simple* out = pa_simple_new(nullptr, "facefilter-test", PA_STREAM_PLAYBACK, sink.c_str(), "tone",
                                   &spec, nullptr, &attr, &err);
    if (out == nullptr) return makeError("playTone: pa_simple_new failed: " + std::string(pa_strerror(err)));
    const auto total = static_cast<size_t>(std::llround(seconds * spec.rate));
    std::vector<float> block;
    Status result = Ok{};
    for (size_t done = 0; done < total && result.ok();) {
      block.resize(std::min<size_t>(total - done, spec.rate / 100));
      for (size_t i = 0; i < block.size(); ++i) {
        block[i] = static_cast<float>(
            amplitude * std::sin(2 * std::numbers::pi * hz * static_cast<double>(done + i) / spec.rate));
      }
      if (pa_simple_write(out, block.data(), block.size() * sizeof(float), &err) < 0) {
        result = makeError("playTone: pa_simple_write failed: " + std::string(pa_strerror(err)));
      }
      done += block.size();
    }
    if (result.ok() && pa_simple_drain(out, &err) < 0) {
      result = makeError("playTone: pa_simple_drain failed: " + std::string(pa_strerror(err)));
    }
    pa_simple_free(out);
    return result;
  });
}

}  // namespace facefilter::test
