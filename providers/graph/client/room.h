#pragma once
// Every header of providers/graph/client/ includes this. CMake defines ENTRAGATE_GRAPH_CLIENT only in
// entragate_graph_client and the targets that link it, so a room that does not depend on this one
// cannot include its headers.
#ifndef ENTRAGATE_GRAPH_CLIENT
#error "this target does not depend on providers/graph/client/ (see providers/graph/CMakeLists.txt)"
#endif
