#pragma once
// Every header of emulator/identity/ includes this. CMake defines ENTRAGATE_EMULATOR_IDENTITY only in
// entragate_emulator_identity and the targets that link it, so a room that does not depend on this one
// cannot include its headers.
#ifndef ENTRAGATE_EMULATOR_IDENTITY
#error "this target does not depend on emulator/identity/ (see emulator/CMakeLists.txt)"
#endif
