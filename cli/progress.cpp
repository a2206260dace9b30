#include "cli/progress.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "providers/graph/client/graph_client.h"

namespace entragate::cli {

using engine::Error;

void AddPacingOptions(CLI::App& cmd, PacingOptions& o) {
  cmd.add_option("--graph-budget", o.graph_budget,
                 "Graph's throttling budget for this app + tenant: small (<50 users, 3,500 RU / 10 s), medium (5,000), large "
                 "(8,000); default: start small and grow while Graph shows room")
      ->check(CLI::IsMember({"small", "medium", "large"}));
  cmd.add_option("--deadline", o.deadline, "How long throttling is waited out before a request fails (e.g. 30m, 90s, 2h)")->capture_default_str();
}

engine::Result<int64_t> ParseDuration(const std::string& text) {
  if (text.empty()) return engine::MakeError(Error::Kind::kInvalid, "--deadline: empty duration");
  size_t used = 0;
  double n = 0;
  try {
    n = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  std::string unit = text.substr(used);
  double scale = unit.empty() || unit == "s" ? 1000 : unit == "m" ? 60000 : unit == "h" ? 3600000 : unit == "ms" ? 1 : -1;
  if (used == 0 || scale < 0 || n <= 0)
    return engine::MakeError(Error::Kind::kInvalid, fmt::format("--deadline: '{}' is not a duration such as 30m, 90s or 2h", text));
  return static_cast<int64_t>(n * scale);
}

namespace {

int64_t WallMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string Clock(int64_t ms) {
  int64_t s = ms / 1000;
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60) : fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

std::atomic<int> g_finished{0}, g_total{0};
std::atomic<int64_t> g_first_progress_ms{0};

void NoteProgress(int finished, int total) {
  int64_t zero = 0;
  g_first_progress_ms.compare_exchange_strong(zero, WallMs());
  g_finished = finished;
  g_total = total;
}

namespace {

// "12/340 steps · 0:41 elapsed · ETA 3:10 · Graph write quota: waiting 41 s"
std::string WaitLine(int64_t started, graph::WaitReason reason, int64_t left_ms) {
  int64_t now = WallMs();
  std::string counts;
  if (int total = g_total, done = g_finished; total > 0) {
    counts = fmt::format("{}/{} steps · ", done, total);
    int64_t since = g_first_progress_ms;
    if (done > 0 && since > 0) counts += fmt::format("ETA {} · ", Clock((now - since) * (total - done) / done));
  }
  return fmt::format("{}{} elapsed · {}: waiting {} s", counts, Clock(now - started), graph::Describe(reason), (left_ms + 999) / 1000);
}

}  // namespace

engine::Status ApplyPacing(const PacingOptions& o, graph::GraphClientOptions& client, bool terminal) {
  if (!o.graph_budget.empty()) client.budget = graph::GraphBudgetPreset(o.graph_budget);
  auto deadline = ParseDuration(o.deadline);
  if (!deadline.ok()) return deadline.error();
  int64_t started = WallMs();
  client.deadline_ms = started + deadline.value();
  if (!terminal) return engine::Ok{};
  // The pacer decides the waits; a wait long enough to notice is shown, counting down, so a run
  // slowed by Graph's limits says why instead of looking stuck. The client sleeps a wait in
  // slices and says when it is over, so the countdown follows the wait (this thread's), not a slice.
  struct Shown {
    std::mutex mutex;
  };
  struct ThisWait {
    graph::WaitReason reason = graph::WaitReason::kNone;
    int64_t until = 0;
    bool drawn = false;
  };
  static thread_local ThisWait current;
  auto shown = std::make_shared<Shown>();
  client.on_wait = [shown](graph::WaitReason reason, int64_t ms) {
    if (ms > 0) {
      current = {reason, WallMs() + ms, false};
      return;
    }
    if (current.drawn) {
      std::lock_guard lock(shown->mutex);
      fmt::print(stderr, "\r\x1b[K");
      std::fflush(stderr);
    }
    current = {};
  };
  client.sleep = [shown, started](int64_t ms) {
    int64_t end = WallMs() + ms;
    if (current.until - WallMs() < 1000) return std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    for (int64_t left = ms; left > 0; left = end - WallMs()) {
      {
        std::lock_guard lock(shown->mutex);
        fmt::print(stderr, "\r\x1b[K… {}", WaitLine(started, current.reason, current.until - WallMs()));
        std::fflush(stderr);
      }
      current.drawn = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(left, 1000)));
    }
  };
  return engine::Ok{};
}

}  // namespace entragate::cli
