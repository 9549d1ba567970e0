# binpatch (binpatch.c): rewrites fields of aimc binary files and fixes
# their checksums, for the bad-input cases (*.tsv here). Built as
# ${CMAKE_BINARY_DIR}/testbench/binpatch.
add_executable(binpatch ${CMAKE_CURRENT_LIST_DIR}/binpatch.c)
target_link_libraries(binpatch PRIVATE ZLIB::ZLIB)
