# Writes OUTPUT (a header) with the commit SOURCE_DIR is at, and whether tracked files differ from it.
# Run at every build, it rewrites the header only when that changes, so nothing recompiles otherwise.
set(commit "unknown")
set(dirty false)
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} rev-parse HEAD
    OUTPUT_VARIABLE head RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(rc EQUAL 0)
    set(commit "${head}")
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} status --porcelain --untracked-files=no
      OUTPUT_VARIABLE changes RESULT_VARIABLE rc ERROR_QUIET)
    if(rc EQUAL 0 AND NOT changes STREQUAL "")
      set(dirty true)
    endif()
  endif()
endif()
set(text "#pragma once\nnamespace entragate::cli {\ninline constexpr const char* kGitCommit = \"${commit}\";\ninline constexpr bool kGitDirty = ${dirty};\n}\n")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUTPUT} "${text}")
endif()
