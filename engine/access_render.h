#pragma once
// Renderings of an access review: a table for the terminal, CSV for spreadsheets, markdown for a
// pull request, JSON (schemas/access.v1.schema.json) and a self-contained HTML page.

#include <string>

#include <boost/json/object.hpp>

#include "engine/access_review.h"

namespace entragate::engine {

/// The symbol every format uses for a change, so that a report reads without colour.
const char* AccessSymbol(AccessMark mark, bool widening);  ///< "+", "-", "!" (lost widening drift) or ""

std::string RenderAccessTable(const AccessReview& review);
/// What a plan does to access to one app, a line each: "+ NAME gets ROLE", "- NAME loses ROLE",
/// assignment switched on or off, created, deleted; "no change to who can obtain a token" otherwise.
std::string RenderAccessChanges(const AccessAppReview& app);
std::string RenderAccessCsv(const AccessReview& review);
std::string RenderAccessMarkdown(const AccessReview& review);
boost::json::object AccessReviewJson(const AccessReview& review);
std::string RenderAccessHtml(const AccessReview& review);

/// "2026-12-01 12:00 UTC" for a Unix time.
std::string AccessTime(int64_t unix_seconds);

}  // namespace entragate::engine
