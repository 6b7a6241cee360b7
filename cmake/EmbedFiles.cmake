# aria_embed_files(OUT <file.cpp> NAMESPACE <ns> FILES <name>=<path>...)
# Generates a .cpp that defines `std::string_view <ns>::<name>` holding each file's bytes, so
# schemas and templates are compiled into the binary and stay editable as plain files.
function(aria_embed_files)
  cmake_parse_arguments(ARG "" "OUT;NAMESPACE" "FILES" ${ARGN})
  set(deps)
  set(args)
  foreach(entry IN LISTS ARG_FILES)
    string(REPLACE "=" ";" pair "${entry}")
    list(GET pair 1 path)
    list(APPEND deps "${path}")
    list(APPEND args "${entry}")
  endforeach()
  string(REPLACE ";" "|" joined "${args}")
  add_custom_command(
    OUTPUT "${ARG_OUT}"
    COMMAND ${CMAKE_COMMAND} -DOUT=${ARG_OUT} -DNS=${ARG_NAMESPACE} "-DENTRIES=${joined}"
            -P "${PROJECT_SOURCE_DIR}/cmake/EmbedFilesScript.cmake"
    DEPENDS ${deps} "${PROJECT_SOURCE_DIR}/cmake/EmbedFilesScript.cmake"
    COMMENT "Embedding ${ARG_NAMESPACE} files"
    VERBATIM)
endfunction()
