# Embeds the Python harness (harness/*.py) into gilsim as string literals, so that the binary
# carries the replayer it runs: cmake -DOUT=... -DFILES="a.py;b.py" -P embed_harness.cmake
set(body "// Generated from harness/*.py by cmake/embed_harness.cmake: do not edit.\n")
string(APPEND body "#include \"app/harness_files.hpp\"\n\nnamespace gilsim::app {\n\n")
string(APPEND body "const HarnessFile kHarnessFiles[] = {\n")
foreach(file IN LISTS FILES)
  file(READ "${file}" text)
  get_filename_component(name "${file}" NAME)
  string(APPEND body "    {\"${name}\", R\"gilsim_embed(${text})gilsim_embed\"},\n")
endforeach()
string(APPEND body "};\nconst int kHarnessFileCount = sizeof(kHarnessFiles) / sizeof(kHarnessFiles[0]);\n")
string(APPEND body "\n}  // namespace gilsim::app\n")
file(WRITE "${OUT}.tmp" "${body}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
