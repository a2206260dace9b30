#include "engine/plan_graph.h"

#include <map>
#include <set>

#include <fmt/format.h>

namespace entragate::engine {

namespace {

enum class Mark { kNew, kOnPath, kDone };

// Depth-first search without recursion (plans can be long chains): `path` is the current route,
// and an edge back to a step on it closes a cycle.
std::vector<std::string> CycleFrom(size_t start, const std::vector<const Change*>& steps, const std::map<std::string, size_t>& index,
                                   std::vector<Mark>& mark) {
  struct Frame {
    size_t step;
    size_t next_dep = 0;
  };
  std::vector<Frame> path{{start}};
  mark[start] = Mark::kOnPath;
  while (!path.empty()) {
    Frame& top = path.back();
    const auto& deps = steps[top.step]->after_steps;
    if (top.next_dep == deps.size()) {
      mark[top.step] = Mark::kDone;
      path.pop_back();
      continue;
    }
    auto it = index.find(deps[top.next_dep++]);
    if (it == index.end() || mark[it->second] == Mark::kDone) continue;
    if (mark[it->second] == Mark::kOnPath) {
      std::vector<std::string> cycle;
      size_t from = 0;
      while (path[from].step != it->second) ++from;
      for (size_t i = from; i < path.size(); ++i) cycle.push_back(steps[path[i].step]->id);
      cycle.push_back(steps[it->second]->id);
      return cycle;
    }
    mark[it->second] = Mark::kOnPath;
    path.push_back({it->second});
  }
  return {};
}

}  // namespace

std::vector<std::string> FindStepCycle(const std::vector<const Change*>& steps) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < steps.size(); ++i) index.emplace(steps[i]->id, i);
  std::vector<Mark> mark(steps.size(), Mark::kNew);
  for (size_t i = 0; i < steps.size(); ++i) {
    if (mark[i] != Mark::kNew) continue;
    auto cycle = CycleFrom(i, steps, index, mark);
    if (!cycle.empty()) return cycle;
  }
  return {};
}

std::string DescribeCycle(const std::vector<std::string>& cycle) {
  constexpr size_t kShown = 10;  // a message, not a dump: long cycles show their start and close
  if (cycle.size() <= kShown + 1) return fmt::format("{}", fmt::join(cycle, " → "));
  std::vector<std::string> start(cycle.begin(), cycle.begin() + kShown);
  return fmt::format("{} → … ({} more) → {}", fmt::join(start, " → "), cycle.size() - 1 - kShown, cycle.back());
}

Status ValidateStepGraph(const Plan& plan) {
  auto bad = [](const std::string& why) { return MakeError(Error::Kind::kInvalid, why); };
  std::set<std::string> ids;
  for (const auto& c : plan.changes) {
    if (c.id.empty()) return bad(fmt::format("a step has no id (address '{}')", c.address));
    if (!ids.insert(c.id).second) return bad(fmt::format("two steps have the id '{}'", c.id));
  }
  for (const auto& c : plan.changes)
    for (const auto& dep : c.after_steps) {
      if (dep == c.id) return bad(fmt::format("step {} waits for itself", c.id));
      if (!ids.count(dep)) return bad(fmt::format("step {} waits for step '{}', which is not in the plan", c.id, dep));
    }
  std::vector<const Change*> all;
  for (const auto& c : plan.changes) all.push_back(&c);
  if (auto cycle = FindStepCycle(all); !cycle.empty())
    return bad(fmt::format("steps wait on each other, so none of them could ever run: {}", DescribeCycle(cycle)));
  return Ok{};
}

}  // namespace entragate::engine
