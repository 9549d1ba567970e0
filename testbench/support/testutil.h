/* Small helpers shared by tests: temporary directories and files. */
#ifndef AIMC_TEST_UTIL_H
#define AIMC_TEST_UTIL_H

#include <stddef.h>

/* Creates a fresh directory under $TMPDIR (or /tmp) and returns its path
 * (static storage, valid until the next call). The directories a test made
 * are removed with their contents when it exits normally (AIMC_KEEP_TMP=1
 * keeps them, to look at a failure). */
const char *test_tmpdir(const char *tag);
/* Writes text to dir/name and returns the full path (malloc'd). */
char *test_write_file(const char *dir, const char *name, const char *text);
/* Reads dir/name whole (malloc'd, NUL-terminated); aborts if unreadable. */
char *test_read_file(const char *dir, const char *name);
/* Returns 1 if the file exists. */
int test_file_exists(const char *path);

/* cmocka 1.1.5 (Debian 12) has no assert_double_equal: |a - b| <= tol. */
#include <math.h>
#define assert_near(a, b, tol)                                              \
  do {                                                                      \
    double a_ = (a), b_ = (b), t_ = (tol);                                  \
    if (!(fabs(a_ - b_) <= t_))                                             \
      fail_msg("%s = %.17g, expected %.17g +- %g", #a, a_, b_, t_);        \
  } while (0)

#endif
