#pragma once
// Graph pacing as the user sets it and sees it: --graph-budget and --deadline, and on a terminal a
// line that says when and why a run waits ("Graph write quota: waiting 41 s") with elapsed time.

#include <CLI/CLI.hpp>

#include "engine/result.h"

namespace entragate::graph {
struct GraphClientOptions;
class Pacer;
}  // namespace entragate::graph

namespace entragate::cli {

struct PacingOptions {
  std::string graph_budget;      ///< small | medium | large; empty: learnt from Graph's answers
  std::string deadline = "30m";  ///< how long throttling is waited out before a request fails
};

/// Registers --graph-budget and --deadline on a command.
void AddPacingOptions(CLI::App& cmd, PacingOptions& options);

/// Sets the client's budget and deadline; on a terminal, its waits are shown as they happen.
engine::Status ApplyPacing(const PacingOptions& options, graph::GraphClientOptions& client, bool terminal);

/// Apply's step counts, for the waiting line's counts and ETA.
void NoteProgress(int finished, int total);

/// "30m", "90s", "1h", "45" (seconds) → milliseconds.
engine::Result<int64_t> ParseDuration(const std::string& text);

}  // namespace entragate::cli
