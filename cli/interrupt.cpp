#include "cli/interrupt.h"

#include <atomic>
#include <csignal>

#include <signal.h>
#include <unistd.h>

#include "cli/commands.h"

namespace entragate::cli {

namespace {

// Lock-free atomics are what a signal handler may touch.
std::atomic<int> signals_seen{0};
static_assert(std::atomic<int>::is_always_lock_free);

struct sigaction previous_int, previous_term;

extern "C" void OnSignal(int) {
  if (signals_seen.fetch_add(1) > 0) _exit(kExitInterrupted);
  static const char kMessage[] =
      "\nInterrupt received: letting the requests in flight finish and starting no new steps. Interrupt again to stop at once.\n";
  ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  (void)ignored;
}

}  // namespace

InterruptScope::InterruptScope() {
  signals_seen = 0;
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // requests in flight must not see EINTR
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);
}

InterruptScope::~InterruptScope() {
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
}

bool InterruptScope::Requested() { return signals_seen.load() > 0; }

}  // namespace entragate::cli
