#pragma once
// Every header of providers/graph/provider/ includes this. CMake defines ENTRAGATE_GRAPH_PROVIDER only in
// entragate_graph_provider and the targets that link it, so a room that does not depend on this one
// cannot include its headers.
#ifndef ENTRAGATE_GRAPH_PROVIDER
#error "this target does not depend on providers/graph/provider/ (see providers/graph/CMakeLists.txt)"
#endif
