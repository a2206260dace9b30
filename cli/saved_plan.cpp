#include "cli/saved_plan.h"

#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace entragate::cli {

engine::Result<engine::Plan> ReadSavedPlan(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return engine::MakeError(engine::Error::Kind::kIo, fmt::format("cannot read '{}'", path));
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text.str(), ec);
  if (ec || !v.is_object() || !v.as_object().contains("format_version"))
    return engine::MakeError(engine::Error::Kind::kInvalid, fmt::format("'{}' is not a saved entragate plan", path));
  auto plan = engine::PlanFromJson(v.as_object());
  if (!plan.ok()) return engine::MakeError(engine::Error::Kind::kInvalid, fmt::format("{}: {}", path, plan.error().message));
  return plan;
}

}  // namespace entragate::cli
