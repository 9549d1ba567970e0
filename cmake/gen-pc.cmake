# Writes aimc.pc at install time, so `cmake --install --prefix P` gets
# prefix=P (a DESTDIR staging keeps the final prefix, as packagers expect).
# In: AIMC_PC_IN, AIMC_PC_OUT, CMAKE_INSTALL_PREFIX and the AIMC_PC_* values.
set(AIMC_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
configure_file("${AIMC_PC_IN}" "${AIMC_PC_OUT}" @ONLY)
