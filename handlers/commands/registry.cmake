# calico_command_registry(<sources> <output>): writes <output>, the all_commands() of every
# command among <sources> — a file is a command when it defines its factory at the start of a
# line as `CommandSpec make_<name>_command() {`. Used by handlers/CMakeLists.txt, and by the
# CommandRegistry test in script mode (cmake -P) to show that a new file is all a command needs.
function(calico_command_registry sources output)
  set(COMMAND_DECLARATIONS "")
  set(COMMAND_FACTORIES "")
  foreach(source IN LISTS sources)
    file(STRINGS "${source}" factories REGEX "^CommandSpec make_[a-z_]+_command\\(\\) {")
    foreach(factory IN LISTS factories)
      string(REGEX REPLACE "^CommandSpec (make_[a-z_]+_command)\\(\\) {.*" "\\1" factory "${factory}")
      string(APPEND COMMAND_DECLARATIONS "CommandSpec ${factory}();\n")
      string(APPEND COMMAND_FACTORIES "      ${factory}(),\n")
    endforeach()
  endforeach()
  if(COMMAND_FACTORIES STREQUAL "")
    message(FATAL_ERROR "handlers/commands: no file defines a `CommandSpec make_<name>_command() {`")
  endif()
  configure_file("${CMAKE_CURRENT_FUNCTION_LIST_DIR}/all_commands.cpp.in" "${output}" @ONLY)
endfunction()

# Script mode: cmake -DCOMMANDS_DIR=<dir> -DOUTPUT=<file> -P registry.cmake
if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  file(GLOB sources "${COMMANDS_DIR}/*.cpp")
  calico_command_registry("${sources}" "${OUTPUT}")
endif()
