/* Help text -> man page and completion words (sim/cli/helpdoc.c): a help
 * text with every construct, rendered, and the groff it must give; options
 * and subcommands found where they should be and nowhere else. The
 * expected groff lines are written from the layout rules in helpdoc.h. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the standard headers above first. */
#include <cmocka.h>

#include "helpdoc.h"

static const char *HELP =
    "usage: aimc demo FILE [--alpha N] [-x]\n"
    "       aimc demo sub [--beta]\n"
    "\n"
    "Does a non-trivial thing; see a\\b.\n"
    ".starts with a dot and 'quotes'.\n"
    "\n"
    "options:\n"
    "  -a, --alpha N   the alpha\n"
    "                  continued here\n"
    "  --gamma MODE    one of:\n"
    "                    fast   quick\n"
    "example:\n"
    "  mpirun -n 4 aimc demo f\n";

static char *render(void) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  aimc_helpdoc_man(f, "demo", "a demo command", HELP, "9.9", ".BR aimc (1)\n");
  fclose(f);
  return buf;
}

static void has(const char *text, const char *want) {
  if (!text) fail_msg("no text rendered, missing:\n%s", want);
  else if (!strstr(text, want)) fail_msg("missing:\n%s\nin:\n%s", want, text);
}

static void test_man(void **state) {
  (void)state;
  char *m = render();
  has(m, ".TH \"AIMC-DEMO\" \"1\" \"\" \"aimc 9.9\" \"aimc manual\"\n");
  has(m, ".SH NAME\naimc\\-demo \\- a demo command\n");
  has(m, ".SH SYNOPSIS\n.nf\naimc demo FILE [\\-\\-alpha N] [\\-x]\naimc demo sub [\\-\\-beta]\n.fi\n");
  has(m, ".SH DESCRIPTION\nDoes a non\\-trivial thing; see a\\eb.\n\\&.starts with a dot");
  has(m, ".SH \"OPTIONS\"\n.TP\n\\fB\\-a, \\-\\-alpha N\\fR\nthe alpha\ncontinued here\n");
  has(m, ".TP\n\\fB\\-\\-gamma MODE\\fR\none of:\n.RS\n.TP\n\\fBfast\\fR\nquick\n.RE\n");
  /* "example:" directly after an option's text still heads a section only
   * after a blank line; here it is prose, and the command line literal. */
  has(m, ".RS 4\n.nf\nmpirun \\-n 4 aimc demo f\n.fi\n.RE\n");
  has(m, ".SH \"EXIT STATUS\"");
  has(m, ".SH \"SEE ALSO\"\n.BR aimc (1)\n");
  free(m);
}

static void test_top_page(void **state) {
  (void)state;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  aimc_helpdoc_man(f, NULL, "the tool", "usage: aimc X\n\ncommands:\n  run  runs\n", "1",
                   "");
  fclose(f);
  has(buf, ".TH \"AIMC\" \"1\"");
  has(buf, ".SH NAME\naimc \\- the tool\n");
  has(buf, ".SH \"COMMANDS\"\n.TP\n\\fBrun\\fR\nruns\n");
  free(buf);
}

static void test_options(void **state) {
  (void)state;
  char buf[256] = "";
  aimc_helpdoc_options(HELP, buf, sizeof buf);
  /* Usage block and definition terms; not "non-trivial", not mpirun's -n. */
  assert_string_equal(buf, "--alpha -x --beta -a --gamma");
  char small[12] = "";
  aimc_helpdoc_options(HELP, small, sizeof small); /* truncates, never overflows */
  assert_true(strlen(small) < sizeof small);
  char subs[64] = "";
  aimc_helpdoc_subcommands("demo", HELP, subs, sizeof subs);
  assert_string_equal(subs, "sub");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_man),
      cmocka_unit_test(test_top_page),
      cmocka_unit_test(test_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
