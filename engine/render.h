#pragma once
// Renderings of a plan, all built from the same Plan structure: the human diff (Terraform's symbols),
// markdown for pull-request comments, JUnit XML for CI drift reports, and the execution summary.

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/executor.h"
#include "engine/plan.h"

namespace entragate::engine {

struct RenderOptions {
  RenderOptions(bool color_ = false, std::string title_ = "plan", std::vector<std::string> app_keys_ = {})
      : color(color_), title(std::move(title_)), app_keys(std::move(app_keys_)) {}
  bool color = false;
  std::string title = "plan";         ///< "plan" or "drift"
  std::vector<std::string> app_keys;  ///< every app of the manifest (JUnit: one test case each)
  /// Markdown: the size past which details are left out (GitHub refuses comments over 65,536).
  size_t markdown_budget = 60000;
  std::string full_plan_hint;  ///< markdown: where the full plan is, for the note when cut
  /// drift: apps that could not be checked (an identity that does not resolve, …) → why, one line
  /// each; JUnit reports each as an errored test case.
  std::map<std::string, std::vector<std::string>> app_errors;
};

std::string RenderPlanText(const Plan& plan, const RenderOptions& options);
std::string RenderPlanMarkdown(const Plan& plan, const RenderOptions& options);
/// Text from manifests or the tenant made inert for GitHub-flavoured markdown (no HTML, links, @mentions; safe in tables).
std::string MarkdownInert(std::string_view s);
std::string RenderPlanJunit(const Plan& plan, const RenderOptions& options);
std::string RenderExecution(const ExecutionReport& report, bool color);
/// For steps that take access away (revokes, assignment switched on, deleted apps): that tokens
/// already issued stay valid until they expire, with the latest time from `now` (Unix seconds);
/// empty when no step takes access away.
std::string TokenLifetimeNote(const std::vector<const Change*>& changes, int64_t now);

/// "local tenant 7e8c…-… (contoso.onmicrosoft.com) at https://…/v1.0": which tenant a plan is for,
/// as the plan header and apply's confirmation name it.
std::string DescribeTarget(const PlanTarget& target);
/// "Only apps a, b (--app): …": a plan of some apps says so, since prune did not run.
std::string OnlyAppsNote(const Plan& plan);

/// A Graph JSON value as a short human string: "TestApp", ["a", "b"], {…}.
std::string ShortJson(const boost::json::value& v);
/// A field's value for people: app roles and optional claims summarised, the rest as ShortJson.
std::string DescribeValue(std::string_view field, const boost::json::value& v);

}  // namespace entragate::engine
