/* Every cblas_* call goes to OpenBLAS, not to GSL's reference CBLAS
 * (libgslcblas, ~25x slower dgemm), in a program linked like every test
 * and bench (libaimc.a) and in the aimc program itself. The dynamic linker
 * binds a symbol to the first library in load order that defines it, so
 * the link order decides (CMakeLists.txt; TOOLCHAIN.md, BLAS link order).
 * Fails when libgslcblas comes first, e.g. under
 * LD_PRELOAD=libgslcblas.so.0. */
#define _GNU_SOURCE /* dladdr, RTLD_DEFAULT */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* cmocka needs the headers above first. */
// clang-format off
#include <cmocka.h>
// clang-format on

#include <cblas.h>

/* The file name of the shared object that defines the code at addr. */
static const char *library_of(const void *addr) {
  Dl_info info;
  if (!addr || !dladdr(addr, &info) || !info.dli_fname) return "(unknown)";
  return info.dli_fname;
}

static void assert_openblas(const char *what, const char *lib) {
  if (!strstr(lib, "libopenblas"))
    fail_msg("%s resolves to %s, not OpenBLAS", what, lib);
}

/* The address this program calls (through its GOT: the bound definition)
 * and the first definition in the global scope, which is also what
 * libgsl's own cblas_* calls bind to. */
static void this_process(void **state) {
  (void)state;
  void (*dgemm)(void) = (void (*)(void))cblas_dgemm;
  void *p;
  memcpy(&p, &dgemm, sizeof p);
  assert_openblas("cblas_dgemm (called by this program)", library_of(p));
  const char *names[] = {"cblas_dgemm", "cblas_dgemv", "cblas_ddot"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    assert_openblas(names[i], library_of(dlsym(RTLD_DEFAULT, names[i])));
}

/* The aimc program: the dynamic linker's own account of its bindings. Every
 * cblas_ binding line must name libopenblas, and there must be some. */
static void aimc_program(void **state) {
  (void)state;
  const char *bin = getenv("AIMC_BIN");
  if (!bin) fail_msg("AIMC_BIN is not set (run through ctest)");
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "LD_BIND_NOW=1 LD_DEBUG=bindings '%s' --help 2>&1 >/dev/null", bin);
  FILE *fp = popen(cmd, "r");
  assert_non_null(fp);
  char line[2048];
  int seen = 0, dgemm = 0;
  while (fgets(line, sizeof line, fp)) {
    if (!strstr(line, "normal symbol `cblas_")) continue;
    seen++;
    if (strstr(line, "`cblas_dgemm'")) dgemm++;
    if (!strstr(line, "/libopenblas")) fail_msg("aimc: %s", line);
  }
  pclose(fp);
  if (!dgemm) fail_msg("no binding of cblas_dgemm reported for %s", bin);
  assert_true(seen >= dgemm);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(this_process),
      cmocka_unit_test(aimc_program),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
