#pragma once
// Writing the files users keep (saved plans, exported manifests, drift reports) so that they are
// never half-written: to a temporary name beside the target, flushed, then renamed over it.

#include <functional>
#include <string>
#include <string_view>

namespace entragate::cli {

/// The temporary name ends in ".tmp", so a manifest directory never picks a leftover up as YAML.
bool WriteFileAtomically(const std::string& path, const std::string& text);

/// The same for text made a piece at a time: `produce` hands each piece to the sink it is given.
using TextSink = std::function<void(std::string_view)>;
bool WriteFileAtomically(const std::string& path, const std::function<void(const TextSink&)>& produce);

}  // namespace entragate::cli
