# The layering of the areas (docs/architecture.md): the simulator does not
# depend on the trainer, checked on the includes of sim/ and models/ and on
# the symbols of the area objects. Each checker also runs on a planted
# violation (leak/) and must report it, so a checker that stops matching
# fails too.
set(layering_dir ${CMAKE_CURRENT_LIST_DIR})
set(trainer_public "aimc/train.h;aimc/s4d_reference.h")
# No exceptions (the dense layers the device inverse's network trains with
# moved to the core: aimc/dense.h).
set(allow_includes "")
set(allow_symbols "")

add_test(NAME layering_includes COMMAND ${CMAKE_COMMAND}
  -DROOT=${PROJECT_SOURCE_DIR} "-DTRAINER_PUBLIC=${trainer_public}"
  "-DALLOW=${allow_includes}" -P ${layering_dir}/includes.cmake)
add_test(NAME layering_includes_catches COMMAND ${CMAKE_COMMAND}
  -DROOT=${layering_dir}/leak "-DTRAINER_PUBLIC=${trainer_public}"
  -P ${layering_dir}/includes.cmake)
set_tests_properties(layering_includes_catches PROPERTIES
  PASS_REGULAR_EXPRESSION "2 layering violations")

# The objects of every library area, one line per area, for the nm check.
get_property(areas GLOBAL PROPERTY AIMC_AREAS)
set(rows "")
foreach(dir ${areas})
  string(REPLACE "/" "_" name "area_${dir}")
  string(APPEND rows "${dir}=$<JOIN:$<TARGET_OBJECTS:${name}>,|>\n")
endforeach()
file(GENERATE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/layering/objects.txt
  CONTENT "${rows}")
add_library(layering_leak OBJECT ${layering_dir}/leak/sim/map/calls.c)
file(GENERATE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/layering/leak.txt CONTENT
  "trainer=$<JOIN:$<TARGET_OBJECTS:area_trainer>,|>\nsim/map=$<TARGET_OBJECTS:layering_leak>\n")
add_test(NAME layering_symbols COMMAND ${CMAKE_COMMAND} -DNM=${CMAKE_NM}
  -DOBJECTS=${CMAKE_CURRENT_BINARY_DIR}/layering/objects.txt
  "-DALLOW=${allow_symbols}" -P ${layering_dir}/symbols.cmake)
add_test(NAME layering_symbols_catches COMMAND ${CMAKE_COMMAND}
  -DNM=${CMAKE_NM} -DOBJECTS=${CMAKE_CURRENT_BINARY_DIR}/layering/leak.txt
  -P ${layering_dir}/symbols.cmake)
set_tests_properties(layering_symbols_catches PROPERTIES
  PASS_REGULAR_EXPRESSION "sim/map uses s4d_ssm_xs_len.*1 layering violations")
set_tests_properties(layering_includes layering_includes_catches
  layering_symbols layering_symbols_catches PROPERTIES LABELS unit)
