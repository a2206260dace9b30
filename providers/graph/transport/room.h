#pragma once
// Every header of providers/graph/transport/ includes this. CMake defines ENTRAGATE_GRAPH_TRANSPORT only in
// entragate_graph_transport and the targets that link it, so a room that does not depend on this one
// cannot include its headers.
#ifndef ENTRAGATE_GRAPH_TRANSPORT
#error "this target does not depend on providers/graph/transport/ (see providers/graph/CMakeLists.txt)"
#endif
