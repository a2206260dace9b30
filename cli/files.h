#pragma once
// Writing the files users keep (saved plans, exported manifests, drift reports) so that they are
// never half-written: to a temporary name beside the target, flushed, then renamed over it.

#include <string>

namespace entragate::cli {

/// The temporary name ends in ".tmp", so a manifest directory never picks a leftover up as YAML.
bool WriteFileAtomically(const std::string& path, const std::string& text);

}  // namespace entragate::cli
