#pragma once
// Whether output may use colour: only on a terminal, never when NO_COLOR is set (no-color.org) or
// --no-color was given.

#include <cstdio>

namespace entragate::cli {

bool UseColor(std::FILE* stream, bool no_color_flag);

}  // namespace entragate::cli
