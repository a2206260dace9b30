#pragma once
// Every header of providers/graph/credentials/ includes this. CMake defines ENTRAGATE_GRAPH_CREDENTIALS only in
// entragate_graph_credentials and the targets that link it, so a room that does not depend on this one
// cannot include its headers.
#ifndef ENTRAGATE_GRAPH_CREDENTIALS
#error "this target does not depend on providers/graph/credentials/ (see providers/graph/CMakeLists.txt)"
#endif
