# A room: one folder of a component, built as a library of its own (entragate_<component>_<room>).
# The room's headers include its room.h, which compiles only where the room's macro
# (ENTRAGATE_<COMPONENT>_<ROOM>) is defined: in the room itself and in the targets that link it. A
# header included against the grain of the dependencies therefore fails the build.
function(entragate_room component room)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "" "SOURCES;DEPENDS")
  string(TOUPPER "${component}_${room}" upper)
  add_library(entragate_${component}_${room} STATIC ${arg_SOURCES})
  target_include_directories(entragate_${component}_${room} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_definitions(entragate_${component}_${room} PUBLIC ENTRAGATE_${upper})
  target_link_libraries(entragate_${component}_${room} PUBLIC ${arg_DEPENDS} PRIVATE entragate_warnings)
endfunction()
