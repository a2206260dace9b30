#pragma once
// The engine's names for base/result.h, so code written against engine::Result keeps compiling.
// New code includes base/result.h.

#include "base/result.h"

namespace entragate::engine {

using base::Error;
using base::MakeError;
using base::Ok;
using base::Result;
using base::Status;

}  // namespace entragate::engine
