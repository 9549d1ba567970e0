# The public C API: the headers installed under include/aimc/ (docs/api.md).
# Every header of sim/include/aimc/ is public except the few listed here
# (helpers of the CLI and the writers, build stamps), so a header a public
# one includes is installed with it. The shared library exports exactly the
# symbols named in the public headers, so this list is the API.
set(AIMC_INTERNAL_HEADERS progress.h vcd.h fileio.h version.h)
file(GLOB AIMC_PUBLIC_HEADERS CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/sim/include/aimc/*.h ${PROJECT_SOURCE_DIR}/sim/include/aimc/*.def)
foreach(h ${AIMC_INTERNAL_HEADERS})
  list(REMOVE_ITEM AIMC_PUBLIC_HEADERS ${PROJECT_SOURCE_DIR}/sim/include/aimc/${h})
endforeach()
