#pragma once
// Every header of emulator/graph/ includes this. CMake defines ENTRAGATE_EMULATOR_GRAPH only in
// entragate_emulator_graph and the targets that link it, so a room that does not depend on this one
// cannot include its headers.
#ifndef ENTRAGATE_EMULATOR_GRAPH
#error "this target does not depend on emulator/graph/ (see emulator/CMakeLists.txt)"
#endif
