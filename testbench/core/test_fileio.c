/* Outputs as one unit (aimc/fileio.h) and seeds as text (aimc/seed.h):
 * the known answers are the rules of the headers — what is refused, what
 * is replaced, what a kill between two renames leaves behind. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "aimc/context.h"
#include "aimc/fileio.h"
#include "aimc/seed.h"
#include "aimc/status.h"
#include "testutil.h"

/* A pid no process can have (above Linux's pid_max limit of 2^22). */
#define DEAD_PID "2147480000"

static char *join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}

static void test_seed_parse(void **state) {
  (void)state;
  uint64_t s = 7;
  assert_int_equal(aimc_seed_parse("0", &s), AIMC_OK);
  assert_true(s == 0);
  assert_int_equal(aimc_seed_parse("18446744073709551615", &s), AIMC_OK);
  assert_true(s == UINT64_MAX);
  assert_int_equal(aimc_seed_parse("007", &s), AIMC_OK);
  assert_true(s == 7);
  /* 2^53 + 1 is not a double: it must survive as an integer. */
  assert_int_equal(aimc_seed_parse("9007199254740993", &s), AIMC_OK);
  assert_true(s == 9007199254740993ULL);
  static const char *const bad[] = {"",   "-1",  "+1",  "0x10", " 5",
                                    "5 ", "1.5", "1e3", "12x"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    s = 42;
    assert_int_equal(aimc_seed_parse(bad[i], &s), AIMC_EPARSE);
    assert_true(s == 42); /* untouched on failure */
  }
  assert_int_equal(aimc_seed_parse(NULL, &s), AIMC_EPARSE);
  assert_int_equal(aimc_seed_parse("18446744073709551616", &s), AIMC_ERANGE);
  assert_int_equal(aimc_seed_parse("99999999999999999999", &s), AIMC_ERANGE);
  assert_int_equal(aimc_seed_parse("184467440737095516150", &s), AIMC_ERANGE);
  char buf[24];
  assert_string_equal(aimc_seed_format(UINT64_MAX, buf, sizeof buf),
                      "18446744073709551615");
  assert_int_equal(
      aimc_seed_parse(
          aimc_seed_format(12345678901234567890ULL, buf, sizeof buf), &s),
      AIMC_OK);
  assert_true(s == 12345678901234567890ULL);
}

static void test_output_check(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  const char *d = test_tmpdir("fileio-check");
  char *file = test_write_file(d, "f", "old"), *link = join(d, "l"),
       *fifo = join(d, "p"), *none = join(d, "none");
  assert_int_equal(symlink(file, link), 0);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  assert_int_equal(aimc_output_check(ctx, none, 0), AIMC_OK);
  assert_int_equal(aimc_output_check(ctx, file, 0), AIMC_OK);
  assert_int_equal(aimc_output_check(ctx, d, 1), AIMC_OK);
  assert_int_equal(aimc_output_check(ctx, d, 0), AIMC_EINVAL);
  assert_int_equal(aimc_output_check(ctx, file, 1), AIMC_EINVAL);
  assert_int_equal(aimc_output_check(ctx, link, 0), AIMC_EINVAL);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "symbolic link"));
  assert_int_equal(aimc_output_check(ctx, fifo, 0), AIMC_EINVAL);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "FIFO"));
  assert_int_equal(aimc_output_check(ctx, "/dev/null", 0), AIMC_EINVAL);
  assert_non_null(
      strstr(aimc_ctx_errmsg(ctx), "/dev/null exists and is a device"));
  assert_int_equal(aimc_output_check(ctx, "", 0), AIMC_EINVAL);
  /* Writing through the symlink is refused and leaves its target alone. */
  assert_int_equal(aimc_write_file_atomic(ctx, link, "new", 3), AIMC_EINVAL);
  char *text = test_read_file(d, "f");
  assert_string_equal(text, "old");
  struct stat sb;
  assert_int_equal(lstat(link, &sb), 0);
  assert_true(S_ISLNK(sb.st_mode));
  free(text), free(file), free(link), free(fifo), free(none);
  aimc_ctx_free(ctx);
}

static void test_clean_stale(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  const char *d = test_tmpdir("fileio-stale");
  char live[64];
  snprintf(live, sizeof live, "out.json.tmp.%ld", (long)getppid());
  char *dead = test_write_file(d, "out.json.tmp." DEAD_PID, "x");
  char *alive = test_write_file(d, live, "x");
  char *other = test_write_file(d, "other.json.tmp." DEAD_PID, "x");
  char *notpid = test_write_file(d, "out.json.tmp.12x", "x");
  char *old_dir = join(d, "out.json.old." DEAD_PID);
  assert_int_equal(mkdir(old_dir, 0777), 0);
  free(test_write_file(old_dir, "inner", "x"));
  char *target = join(d, "out.json");
  aimc_clean_stale(ctx, target);
  assert_false(test_file_exists(dead));
  assert_false(test_file_exists(old_dir));
  assert_true(test_file_exists(alive));  /* its writer still runs */
  assert_true(test_file_exists(other));  /* another target's */
  assert_true(test_file_exists(notpid)); /* not a temporary name */
  /* The next atomic write of the target cleans the same way. */
  char *dead2 = test_write_file(d, "out.json.tmp." DEAD_PID, "x");
  assert_int_equal(aimc_write_file_atomic(ctx, target, "{}", 2), AIMC_OK);
  assert_false(test_file_exists(dead2));
  free(dead), free(alive), free(other), free(notpid), free(old_dir),
      free(target), free(dead2);
  aimc_ctx_free(ctx);
}

/* Writes `text` as file "r" of a new output of kind "aimc test". */
static int publish(aimc_ctx *ctx, const char *dir, const char *text,
                   int commit) {
  static const char *const LEGACY[] = {"r", "part*.csv", NULL};
  aimc_outdir *t = NULL;
  int st = aimc_outdir_begin(ctx, dir, "aimc test", LEGACY, &t);
  if (st) return st;
  char *f = join(aimc_outdir_path(t), "r");
  st = aimc_write_file_atomic(ctx, f, text, strlen(text));
  free(f);
  if (st || !commit) {
    aimc_outdir_abort(ctx, t);
    return st;
  }
  return aimc_outdir_commit(ctx, t, "stamp 1\n");
}

static void test_outdir(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  const char *base = test_tmpdir("fileio-outdir");
  char *dir = join(base, "sub/out"), *tmp;
  assert_int_equal(aimc_outdir_check(ctx, dir, "aimc test", NULL),
                   AIMC_ENOTFOUND);
  assert_int_equal(publish(ctx, dir, "one", 1), AIMC_OK);
  char *r = test_read_file(dir, "r");
  assert_string_equal(r, "one");
  free(r);
  char *marker = NULL;
  assert_int_equal(aimc_outdir_check(ctx, dir, "aimc test", &marker), AIMC_OK);
  assert_string_equal(marker, "aimc test\nstamp 1\n");
  aimc_free(ctx, marker);
  assert_int_equal(aimc_outdir_check(ctx, dir, "aimc other", NULL),
                   AIMC_EINVAL);
  /* A second output replaces the first whole (an exchange); an aborted one
   * leaves it as it was; no temporary is left either way. */
  assert_int_equal(publish(ctx, dir, "two", 1), AIMC_OK);
  r = test_read_file(dir, "r");
  assert_string_equal(r, "two");
  free(r);
  assert_int_equal(publish(ctx, dir, "three", 0), AIMC_OK);
  r = test_read_file(dir, "r");
  assert_string_equal(r, "two");
  free(r);
  size_t n = strlen(dir) + 32;
  tmp = malloc(n);
  snprintf(tmp, n, "%s.tmp.%ld", dir, (long)getpid());
  assert_false(test_file_exists(tmp));
  /* Trailing slashes name the same folder. */
  char *slash = join(dir, "");
  assert_int_equal(publish(ctx, slash, "four", 1), AIMC_OK);
  r = test_read_file(dir, "r");
  assert_string_equal(r, "four");
  free(r);
  /* A folder holding anything else is never replaced ... */
  char *foreign = join(base, "foreign");
  assert_int_equal(mkdir(foreign, 0777), 0);
  free(test_write_file(foreign, "notes.txt", "mine"));
  assert_int_equal(publish(ctx, foreign, "x", 1), AIMC_EINVAL);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "notes.txt"));
  r = test_read_file(foreign, "notes.txt");
  assert_string_equal(r, "mine");
  free(r);
  assert_int_equal(aimc_outdir_check(ctx, foreign, "aimc test", NULL),
                   AIMC_EINVAL);
  /* ... nor another command's output, a file or a symlink; an old output
   * holding only legacy names, or an empty folder, is. */
  char *other = join(base, "other");
  assert_int_equal(mkdir(other, 0777), 0);
  free(test_write_file(other, AIMC_OUTDIR_MARKER, "aimc run\n"));
  assert_int_equal(publish(ctx, other, "x", 1), AIMC_EINVAL);
  assert_non_null(
      strstr(aimc_ctx_errmsg(ctx), "holds the output of 'aimc run'"));
  char *link = join(base, "link");
  assert_int_equal(symlink(dir, link), 0);
  assert_int_equal(publish(ctx, link, "x", 1), AIMC_EINVAL);
  char *file = test_write_file(base, "file", "f");
  assert_int_equal(publish(ctx, file, "x", 1), AIMC_EINVAL);
  char *legacy = join(base, "legacy");
  assert_int_equal(mkdir(legacy, 0777), 0);
  free(test_write_file(legacy, "part1.csv", "1"));
  free(test_write_file(legacy, "r.tmp." DEAD_PID, "1"));
  assert_int_equal(publish(ctx, legacy, "new", 1), AIMC_OK);
  char *gone = join(legacy, "part1.csv");
  assert_false(test_file_exists(gone));
  char *empty = join(base, "empty");
  assert_int_equal(mkdir(empty, 0777), 0);
  assert_int_equal(publish(ctx, empty, "e", 1), AIMC_OK);
  free(dir), free(tmp), free(slash), free(foreign), free(other), free(link),
      free(file), free(legacy), free(gone), free(empty);
  aimc_ctx_free(ctx);
}

static void test_lock(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  const char *d = test_tmpdir("fileio-lock");
  char *path = join(d, ".lock");
  aimc_lock *a = NULL, *b = NULL;
  assert_int_equal(aimc_lock_acquire(ctx, path, "the folder", &a), AIMC_OK);
  /* flock conflicts between two opens, even in one process. */
  assert_int_equal(aimc_lock_acquire(ctx, path, "the folder", &b), AIMC_ESTATE);
  assert_null(b);
  char want[64];
  snprintf(want, sizeof want, "pid %ld holds", (long)getpid());
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), want));
  aimc_lock_release(ctx, a);
  assert_int_equal(aimc_lock_acquire(ctx, path, "the folder", &b), AIMC_OK);
  aimc_lock_release(ctx, b);
  aimc_lock_release(ctx, NULL);
  free(path);
  aimc_ctx_free(ctx);
}

/* AIMC_TEST_KILL_AT=rename:2: the child dies before its second rename; the
 * first output is complete, the second is the old one, and the next writer
 * removes the dead child's temporary. */
static void test_kill_hook(void **state) {
  (void)state;
  const char *d = test_tmpdir("fileio-kill");
  char *a = test_write_file(d, "a", "old a"),
       *b = test_write_file(d, "b", "old b");
  fflush(NULL);
  pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    setenv("AIMC_TEST_KILL_AT", "rename:2", 1);
    aimc_ctx *c = aimc_ctx_alloc(1);
    aimc_write_file_atomic(c, a, "new a", 5);
    aimc_write_file_atomic(c, b, "new b", 5);
    _exit(0); /* not reached */
  }
  int status;
  assert_int_equal(waitpid(child, &status, 0), child);
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  char *ta = test_read_file(d, "a"), *tb = test_read_file(d, "b");
  assert_string_equal(ta, "new a");
  assert_string_equal(tb, "old b");
  char left[64];
  snprintf(left, sizeof left, "b.tmp.%ld", (long)child);
  char *tmp = join(d, left);
  assert_true(test_file_exists(tmp));
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  assert_int_equal(aimc_write_file_atomic(ctx, b, "newer b", 7), AIMC_OK);
  assert_false(test_file_exists(tmp));
  aimc_ctx_free(ctx);
  free(a), free(b), free(ta), free(tb), free(tmp);
}

/* aimc_path_from is aimc_path_beside's inverse: a model in a sibling, a
 * parent or the same folder, from a netlist not written yet; absolute and
 * unresolvable paths stay as given. */
static void test_path_from(void **state) {
  (void)state;
  const char *d = test_tmpdir("fileio-path-from");
  char sub[1024], model[1024], netlist[1024], got[1024], back[1024];
  snprintf(sub, sizeof sub, "%s/a/b", d);
  assert_int_equal(aimc_mkdirs(NULL, sub), AIMC_OK);
  free(test_write_file(d, "m.s4d", "x"));
  static const struct {
    const char *netlist, *want;
  } CASES[] = {{"a/b/net.yaml", "../../m.s4d"},
               {"a/net.yaml", "../m.s4d"},
               {"net.yaml", "m.s4d"}};
  snprintf(model, sizeof model, "%s/m.s4d", d);
  char cwd[1024];
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir(d), 0);
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    snprintf(netlist, sizeof netlist, "%s/%s", d, CASES[i].netlist);
    aimc_path_from(netlist, "m.s4d", got, sizeof got);
    assert_string_equal(got, CASES[i].want);
    aimc_path_beside(netlist, got, back, sizeof back);
    assert_int_equal(access(back, F_OK), 0);
  }
  aimc_path_from("a/b/net.yaml", "m.s4d", got, sizeof got);
  assert_string_equal(got, "../../m.s4d");
  aimc_path_from("a/b/net.yaml", model, got, sizeof got);
  assert_string_equal(got, model);
  aimc_path_from("a/b/net.yaml", "nowhere.s4d", got, sizeof got);
  assert_string_equal(got, "nowhere.s4d");
  assert_int_equal(chdir(cwd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seed_parse),  cmocka_unit_test(test_output_check),
      cmocka_unit_test(test_clean_stale), cmocka_unit_test(test_outdir),
      cmocka_unit_test(test_lock),        cmocka_unit_test(test_kill_hook),
      cmocka_unit_test(test_path_from),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
