# The optional backends as plugins: each heavy library (Graphviz, PLplot,
# espeak-ng, SystemC, Open MPI) is linked into its own module
# aimc_<name>.so, which sim/core/plugin.c loads when a command first needs
# it, so `aimc run` and the other commands do not load them at start-up
# (docs/performance.md, start-up). A plugin links none of aimc: it gets
# the context's allocator and error through a host table.
#
# Where they go: beside the aimc program in the build tree, and in
# <libdir>/aimc/ when installed; plugin.c looks beside the program (or
# libaimc.so), then at the install folder relative to it, then in the build
# tree (for tests and benchmarks, which live in other folders).
include(GNUInstallDirs)
set(AIMC_PLUGIN_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/aimc)
file(RELATIVE_PATH plugin_from_bin ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}
  ${CMAKE_INSTALL_PREFIX}/${AIMC_PLUGIN_INSTALL_DIR})
file(RELATIVE_PATH plugin_from_lib ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}
  ${CMAKE_INSTALL_PREFIX}/${AIMC_PLUGIN_INSTALL_DIR})
set_property(SOURCE ${PROJECT_SOURCE_DIR}/sim/core/plugin.c APPEND PROPERTY
  COMPILE_DEFINITIONS AIMC_PLUGIN_FROM_BINDIR="${plugin_from_bin}"
  AIMC_PLUGIN_FROM_LIBDIR="${plugin_from_lib}"
  AIMC_PLUGIN_BUILD_DIR="${PROJECT_BINARY_DIR}")

set(AIMC_PLUGINS "")
# aimc_plugin(NAME SOURCE LIBS...): the module aimc_NAME.so from
# sim/plugins/SOURCE, linked with LIBS only.
function(aimc_plugin name source)
  set(t aimc_${name})
  add_library(${t} MODULE ${PROJECT_SOURCE_DIR}/sim/plugins/${source})
  target_link_libraries(${t} PRIVATE ${ARGN})
  target_include_directories(${t} PRIVATE ${PROJECT_SOURCE_DIR}/sim/include
    ${PROJECT_SOURCE_DIR})
  target_compile_definitions(${t} PRIVATE ${AIMC_DEFS})
  # Every symbol it needs comes from its libraries: none from aimc. (Not
  # checked under clang's sanitizers: their runtime is the program's, so a
  # module's references to it are undefined until it is loaded.)
  target_link_options(${t} PRIVATE -Wl,--as-needed)
  if(NOT (AIMC_SANITIZE AND CMAKE_C_COMPILER_ID MATCHES "Clang"))
    target_link_options(${t} PRIVATE -Wl,--no-undefined)
  endif()
  set_target_properties(${t} PROPERTIES PREFIX "" OUTPUT_NAME ${t}
    LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR})
  install(TARGETS ${t} LIBRARY DESTINATION ${AIMC_PLUGIN_INSTALL_DIR})
  add_dependencies(aimc ${t})
  set(AIMC_PLUGINS ${AIMC_PLUGINS} ${t} PARENT_SCOPE)
endfunction()

aimc_plugin(graphviz graphviz.c PkgConfig::GVC)
if(PLPLOT_FOUND)
  aimc_plugin(plplot plplot.c PkgConfig::PLPLOT m)
endif()
if(ESPEAK_FOUND)
  aimc_plugin(espeak espeak.c PkgConfig::ESPEAK Threads::Threads)
endif()
if(AIMC_SYSTEMC)
  aimc_plugin(systemc systemc.cpp PkgConfig::SYSTEMC)
endif()
if(AIMC_MPI)
  aimc_plugin(mpi mpi.c MPI::MPI_C)
endif()
