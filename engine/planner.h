#pragma once
// The planner: desired + observed → plan. Pure: no I/O, no clock. Semantics in
// shared/design/manifest-v1.md ("Semantics the planner must honour") and the README.

#include "engine/diag.h"
#include "engine/model.h"
#include "engine/observed.h"
#include "engine/plan.h"

namespace entragate::engine {

/// Computes the steps that make `observed` match `desired`. Problems only the tenant can reveal
/// (an identity that does not resolve, a tenant guard that does not match, an adopted app that is
/// missing) are reported in `diags` (E03xx) with the manifest location; the plan is then not to be
/// applied.
Plan ComputePlan(const DesiredState& desired, const ObservedState& observed, Diagnostics& diags);

/// SHA-256 over the observed objects a plan touches, so a saved plan can tell the tenant moved.
std::string ObservedDigest(const ObservedState& observed);

}  // namespace entragate::engine
