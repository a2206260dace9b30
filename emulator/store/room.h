#pragma once
// Every header of emulator/store/ includes this. CMake defines ENTRAGATE_EMULATOR_STORE only in
// entragate_emulator_store and the targets that link it, so a room that does not depend on this one
// cannot include its headers.
#ifndef ENTRAGATE_EMULATOR_STORE
#error "this target does not depend on emulator/store/ (see emulator/CMakeLists.txt)"
#endif
