// GraphClient::ListAll: collections to the last page (docs/graph-behaviour.md §3.3). Every round sends the next
// page of every unfinished collection together, so k collections of p pages cost about
// p · ⌈k/20⌉ HTTP requests instead of k · p.
#include <boost/json.hpp>
#include <fmt/format.h>

#include "providers/graph/client/graph_client.h"

namespace entragate::graph {

namespace json = boost::json;
using engine::Error;

namespace {

Error PageError(const GraphRequest& query, const std::string& what) {
  return engine::MakeError(Error::Kind::kInternal, fmt::format("{}: {}", RequestKind(query.method, query.path), what));
}

// Moves the page's items out of its body; returns its nextLink, or "" on the last page.
engine::Result<std::string> TakePage(const GraphRequest& query, json::value& body, std::vector<json::object>& items) {
  json::object* page = body.if_object();
  json::value* value = page ? page->if_contains("value") : nullptr;
  if (!value || !value->is_array()) return PageError(query, "the response is not a collection page (no \"value\" array)");
  for (auto& item : value->get_array()) {
    if (!item.is_object()) return PageError(query, "a collection item is not an object");
    items.push_back(std::move(item.get_object()));
  }
  const json::value* next = page->if_contains("@odata.nextLink");
  if (!next || next->is_null()) return std::string();
  if (!next->is_string() || next->get_string().empty()) return PageError(query, "@odata.nextLink is not a URL");
  return std::string(next->get_string());
}

}  // namespace

std::vector<engine::Result<std::vector<json::object>>> GraphClient::ListAll(const std::vector<std::string>& paths, AnswerUse use) {
  std::vector<GraphRequest> queries;
  queries.reserve(paths.size());
  for (const auto& path : paths) queries.push_back(GraphRequest{"GET", path, {}, std::nullopt, false, std::nullopt});
  return ListAllQueries(queries, use);
}

std::vector<engine::Result<std::vector<json::object>>> GraphClient::ListAllQueries(const std::vector<GraphRequest>& queries, AnswerUse use) {
  std::vector<GraphRequest> current = queries;  // each one's next page; headers stay, as Graph needs
  std::vector<std::vector<json::object>> items(queries.size());
  std::vector<std::optional<Error>> errors(queries.size());
  std::vector<size_t> active;
  for (size_t i = 0; i < queries.size(); ++i) active.push_back(i);
  while (!active.empty()) {
    std::vector<GraphRequest> round;
    for (size_t i : active) round.push_back(current[i]);
    std::vector<engine::Result<GraphResponse>> pages = SendBatch(round, use);
    std::vector<size_t> unfinished;
    for (size_t k = 0; k < active.size(); ++k) {
      size_t i = active[k];
      if (!pages[k].ok()) {
        errors[i] = pages[k].error();
        continue;
      }
      auto next = TakePage(current[i], pages[k]->body, items[i]);
      if (!next.ok()) {
        errors[i] = next.error();
      } else if (!next->empty()) {
        if (auto moved = NextPage(current[i], next.value()); moved.ok()) {
          current[i].path = moved.value();
          unfinished.push_back(i);
        } else {
          errors[i] = moved.error();
        }
      }
    }
    active = std::move(unfinished);
  }
  std::vector<engine::Result<std::vector<json::object>>> out;
  out.reserve(queries.size());
  for (size_t i = 0; i < queries.size(); ++i)
    out.push_back(errors[i] ? engine::Result<std::vector<json::object>>(*errors[i]) : engine::Result<std::vector<json::object>>(std::move(items[i])));
  return out;
}

// The nextLink is absolute; made relative to the version root so the next pages can travel in a
// $batch. A link elsewhere is never followed: the bearer token must not leave the Graph root.
engine::Result<std::string> GraphClient::NextPage(const GraphRequest& query, const std::string& link) const {
  const std::string& root = options_.graph_root;
  bool inside = link.size() > root.size() && link.compare(0, root.size(), root) == 0 && (link[root.size()] == '/' || link[root.size()] == '?');
  if (!inside) return PageError(query, "@odata.nextLink is outside the Graph root " + root + "; not followed");
  std::string relative = (link[root.size()] == '?' ? "/" : "") + link.substr(root.size());
  if (relative == query.path) return PageError(query, "@odata.nextLink repeats the page just read; stopped to avoid a loop");
  return relative;
}

}  // namespace entragate::graph
