#include "providers/graph/credentials/process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace entragate::graph {

namespace {

using engine::Error;
using Clock = std::chrono::steady_clock;

// Closes on scope exit; -1 means nothing to close.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read, write;
};

// A parent started with a closed stdin/stdout/stderr gets those numbers back from open() and
// pipe(); the child's dup2 onto 0-2 would then clobber them. Moving every descriptor above 2
// first keeps the child's rewiring simple.
bool AboveStdio(Fd& fd) {
  if (fd.get() < 0) return false;
  if (fd.get() > 2) return true;
  const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  fd.Reset(moved);
  return moved >= 0;
}

bool OpenPipe(Pipe& pipe) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  pipe.read.Reset(fds[0]);
  pipe.write.Reset(fds[1]);
  return AboveStdio(pipe.read) && AboveStdio(pipe.write);
}

Error StartError(const std::string& program, int error_number) {
  return engine::MakeError(Error::Kind::kIo, "cannot run " + program + ": " + std::strerror(error_number));
}

// Only async-signal-safe calls between fork and exec: the parent has other threads, and any of
// them may have held a lock (malloc's, say) at the moment of the fork.
[[noreturn]] void ExecChild(char* const* argv, int stdin_fd, int stdout_fd, int stderr_fd, int report_fd) {
  if (::dup2(stdin_fd, 0) < 0 || ::dup2(stdout_fd, 1) < 0 || ::dup2(stderr_fd, 2) < 0) {
    const int error_number = errno;
    (void)!::write(report_fd, &error_number, sizeof error_number);
    ::_exit(127);
  }
  ::execv(argv[0], argv);
  const int error_number = errno;
  (void)!::write(report_fd, &error_number, sizeof error_number);
  ::_exit(127);
}

// The child closes the report pipe's write end on a successful exec (O_CLOEXEC), so a read that
// returns 0 bytes means the program is running; otherwise it carries exec's errno.
std::optional<int> ExecFailure(int report_fd) {
  int error_number = 0;
  for (;;) {
    const ssize_t n = ::read(report_fd, &error_number, sizeof error_number);
    if (n < 0 && errno == EINTR) continue;
    if (n == static_cast<ssize_t>(sizeof error_number)) return error_number;
    return std::nullopt;
  }
}

int WaitExitCode(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

enum class Drain { kDone, kTimedOut, kTooLarge, kFailed };

// Reads both pipes until both are closed, so a program filling one pipe while we block on the
// other cannot deadlock.
Drain DrainOutput(int out_fd, int err_fd, ProcessOutput& output, const ProcessOptions& options) {
  const auto deadline = Clock::now() + options.timeout;
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&output.out, &output.err};
  int open_count = 2;
  char buffer[8192];
  while (open_count > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Drain::kTimedOut;
    const int ready = ::poll(fds, 2, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return Drain::kFailed;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;
        --open_count;
        continue;
      }
      sinks[i]->append(buffer, static_cast<std::size_t>(n));
      if (sinks[i]->size() > options.max_output_bytes) return Drain::kTooLarge;
    }
  }
  return Drain::kDone;
}

engine::Result<ProcessOutput> Finish(pid_t pid, const std::string& program, Drain drained, ProcessOutput output, const ProcessOptions& options) {
  if (drained != Drain::kDone) ::kill(pid, SIGKILL);
  output.exit_code = WaitExitCode(pid);
  switch (drained) {
    case Drain::kDone: return output;
    case Drain::kTimedOut:
      return engine::MakeError(Error::Kind::kTransient, program + " did not finish within " + std::to_string(options.timeout.count() / 1000) + " s");
    case Drain::kTooLarge:
      return engine::MakeError(Error::Kind::kIo, program + " printed more than " + std::to_string(options.max_output_bytes) + " bytes");
    case Drain::kFailed: break;
  }
  return engine::MakeError(Error::Kind::kIo, "cannot read the output of " + program);
}

}  // namespace

engine::Result<ProcessOutput> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty() || argv[0].empty()) {
    return engine::MakeError(Error::Kind::kInvalid, "no program to run");
  }
  const std::string& program = argv[0];
  // Everything the child needs is prepared before fork: it may not allocate.
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  Fd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  Pipe out, err, report;
  if (!AboveStdio(dev_null) || !OpenPipe(out) || !OpenPipe(err) || !OpenPipe(report)) {
    return StartError(program, errno);
  }
  const pid_t pid = ::fork();
  if (pid < 0) return StartError(program, errno);
  if (pid == 0) {
    ExecChild(args.data(), dev_null.get(), out.write.get(), err.write.get(), report.write.get());
  }
  out.write.Close();
  err.write.Close();
  report.write.Close();
  if (auto failed = ExecFailure(report.read.get())) {
    WaitExitCode(pid);
    return StartError(program, *failed);
  }
  ProcessOutput output;
  const Drain drained = DrainOutput(out.read.get(), err.read.get(), output, options);
  return Finish(pid, program, drained, std::move(output), options);
}

std::optional<std::string> FindOnPath(std::string_view name, std::string_view path_list) {
  if (name.empty() || name.find('/') != std::string_view::npos) return std::nullopt;
  while (true) {
    const auto colon = path_list.find(':');
    const std::string_view dir = path_list.substr(0, colon);
    if (!dir.empty() && dir.front() == '/') {
      std::string candidate(dir);
      if (candidate.back() != '/') candidate += '/';
      candidate += name;
      struct stat info {};
      if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(candidate.c_str(), X_OK) == 0) {
        return candidate;
      }
    }
    if (colon == std::string_view::npos) return std::nullopt;
    path_list.remove_prefix(colon + 1);
  }
}

}  // namespace entragate::graph
