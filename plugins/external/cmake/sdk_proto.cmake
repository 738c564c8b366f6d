# Re-packages one vakwijzer.v1 proto file as vakwijzer_plugin_sdk.v1 for the
# plugin SDK: cmake -DIN=<file.proto> -DOUT=<file.proto> -P sdk_proto.cmake
#
# Only the package, the import paths and fully qualified type names change,
# so field numbers and the wire format stay those of vakwijzer.v1. The copy
# is also made LITE_RUNTIME: lite generated code registers nothing in
# libprotobuf's global descriptor pool, so any number of plugins that each
# link the SDK can live in one process (full generated code would abort
# with "File already exists in database" at the second plugin's dlopen, or
# when a plugin is loaded again after dlclose).
file(READ "${IN}" text)
string(REPLACE "package vakwijzer.v1;"
       "package vakwijzer_plugin_sdk.v1;\n\noption optimize_for = LITE_RUNTIME;"
       text "${text}")
string(REPLACE "import \"vakwijzer/v1/" "import \"vakwijzer_plugin_sdk/v1/"
       text "${text}")
string(REPLACE "vakwijzer.v1." "vakwijzer_plugin_sdk.v1." text "${text}")
if(NOT text MATCHES "package vakwijzer_plugin_sdk\\.v1;")
  message(FATAL_ERROR "${IN}: no 'package vakwijzer.v1;' line to rewrite")
endif()
file(WRITE "${OUT}" "// Generated from ${IN}; do not edit.\n${text}")
