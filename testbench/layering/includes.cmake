# The simulator does not depend on the trainer, by its includes: no file
# under ROOT/sim or ROOT/models includes a header of trainer/, and none but
# the CLI (which hosts `aimc train`) includes the trainer's public headers.
# Usage: cmake -DROOT=dir "-DTRAINER_PUBLIC=aimc/train.h;..."
#   "-DALLOW=file:header;..." -P includes.cmake
# Prints one line per violation and "N layering violations", exits 1.
cmake_minimum_required(VERSION 3.20)
file(GLOB_RECURSE files RELATIVE ${ROOT} ${ROOT}/sim/*.c ${ROOT}/sim/*.cpp
  ${ROOT}/sim/*.h ${ROOT}/sim/*.def ${ROOT}/models/*.c ${ROOT}/models/*.h
  ${ROOT}/models/*.def)
set(n 0)
foreach(f ${files})
  file(STRINGS ${ROOT}/${f} lines REGEX "^[ \t]*#[ \t]*include")
  foreach(line ${lines})
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]*)[>\"].*"
      "\\1" inc "${line}")
    set(why "")
    if(inc MATCHES "(^|/)trainer/")
      set(why "a header of trainer/")
    elseif(inc IN_LIST TRAINER_PUBLIC AND NOT f MATCHES "^sim/cli/"
           AND NOT f MATCHES "^sim/include/${inc}$")
      set(why "the trainer's public header")
    endif()
    if(why AND NOT "${f}:${inc}" IN_LIST ALLOW)
      message("${f}: includes ${inc}, ${why}: the simulator must not "
        "depend on the trainer (docs/architecture.md, Areas)")
      math(EXPR n "${n} + 1")
    endif()
  endforeach()
endforeach()
if(n GREATER 0)
  message(FATAL_ERROR "${n} layering violations")
endif()
list(LENGTH files count)
message("${count} files of sim/ and models/: no include of the trainer")
