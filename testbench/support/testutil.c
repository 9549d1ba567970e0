/* Helpers shared by tests (see testutil.h). */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700 /* nftw */
#include "testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directories made so far, removed at exit. */
static char **made;
static size_t n_made;
static pid_t maker; /* a forked child that exits leaves them to its parent */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static void remove_made(void) {
  const char *keep = getenv("AIMC_KEEP_TMP");
  if (getpid() != maker) return;
  for (size_t i = 0; i < n_made; i++) {
    if (!keep || strcmp(keep, "1")) nftw(made[i], remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(made[i]);
  }
  free(made);
}

const char *test_tmpdir(const char *tag) {
  static char path[512];
  const char *base = getenv("TMPDIR");
  snprintf(path, sizeof path, "%s/aimc-%s-XXXXXX", base ? base : "/tmp", tag);
  char **grown = realloc(made, (n_made + 1) * sizeof *made);
  if (!mkdtemp(path) || !grown) {
    perror("mkdtemp");
    abort();
  }
  if (!n_made) maker = getpid(), atexit(remove_made);
  made = grown;
  made[n_made++] = strdup(path);
  return path;
}

char *test_write_file(const char *dir, const char *name, const char *text) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *path = malloc(n);
  snprintf(path, n, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) {
    perror(path);
    abort();
  }
  fputs(text, f);
  fclose(f);
  return path;
}

char *test_read_file(const char *dir, const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    abort();
  }
  size_t cap = 4096, n = 0;
  char *text = malloc(cap);
  for (size_t got; text && (got = fread(text + n, 1, cap - n - 1, f)) > 0;) {
    n += got;
    if (n + 1 == cap) text = realloc(text, cap *= 2);
  }
  fclose(f);
  if (!text) abort();
  text[n] = '\0';
  return text;
}

int test_file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}
