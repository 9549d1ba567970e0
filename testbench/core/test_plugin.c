/* The plugin loader (sim/core/plugin.c): a program linked with libaimc.a
 * loads no heavy library until a call needs one; a plugin loads with its
 * table checked; a missing plugin and one of another build are refused
 * with a message that names them. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/status.h"
#include "sim/core/plugin.h"
#include "sim/plugins/graphviz.h"

static int loaded(const char *soname) {
  void *h = dlopen(soname, RTLD_NOW | RTLD_NOLOAD);
  if (h) dlclose(h);
  return h != NULL;
}

/* Runs first: nothing has asked for Graphviz, SystemC or MPI yet. */
static void test_nothing_loaded_at_start(void **state) {
  (void)state;
  assert_false(loaded("libgvc.so.6"));
  assert_false(loaded("libsystemc-2.3.4.so"));
  assert_false(loaded("libmpi.so.40"));
  assert_false(loaded("libplplot.so.17"));
  assert_false(loaded("libespeak-ng.so.1"));
}

static void test_loads_with_table(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  const void *t = NULL;
  assert_int_equal(
      aimc_plugin_load(ctx, "graphviz", "Graphviz",
                       sizeof(aimc_graphviz_plugin), AIMC_EFAIL, &t),
      AIMC_OK);
  const aimc_graphviz_plugin *gv = t;
  assert_int_equal(gv->head.abi, AIMC_PLUGIN_ABI);
  assert_true(loaded("libgvc.so.6"));
  char *data = NULL;
  unsigned int len = 0;
  assert_int_equal(gv->render("digraph { a -> b }", "svg", &data, &len), GV_OK);
  assert_non_null(strstr(data, "<svg"));
  gv->free_data(data);
  assert_true(aimc_plugin_available("graphviz", sizeof(aimc_graphviz_plugin)));
  aimc_ctx_free(ctx);
}

static void test_missing_and_mismatched(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  const void *t = &t;
  assert_int_equal(
      aimc_plugin_load(ctx, "nosuch", "No Such Backend", 8, AIMC_ENOTFOUND, &t),
      AIMC_ENOTFOUND);
  assert_null(t);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx),
                         "cannot load No Such Backend (aimc_nosuch.so): not "
                         "found beside "));
  assert_false(aimc_plugin_available("nosuch", 8));
  /* A table of another size: a plugin of another aimc build. */
  assert_int_equal(
      aimc_plugin_load(ctx, "graphviz", "Graphviz",
                       sizeof(aimc_graphviz_plugin) + 8, AIMC_EBACKEND, &t),
      AIMC_EBACKEND);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "from another aimc build"));
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nothing_loaded_at_start),
      cmocka_unit_test(test_loads_with_table),
      cmocka_unit_test(test_missing_and_mismatched),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
