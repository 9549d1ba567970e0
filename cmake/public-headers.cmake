# The public C API: the headers installed under include/aimc/ (docs/api.md
# says why each is in or out). The shared library exports exactly the
# symbols named in these headers, so this list is the API.
set(AIMC_PUBLIC_HEADERS
  status.h status.def context.h units.h param.h config.h
  model.h design.h netlist.h kernel.h engine.h probe.h graph.h
  device.h xbar.h program.h quant.h
  data.h s4d_model.h train.h map.h infer.h sweep.h report.h)
list(TRANSFORM AIMC_PUBLIC_HEADERS PREPEND ${PROJECT_SOURCE_DIR}/sim/include/aimc/)
