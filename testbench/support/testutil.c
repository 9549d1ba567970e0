/* Helpers shared by tests (see testutil.h). */
#define _DEFAULT_SOURCE
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *test_tmpdir(const char *tag) {
  static char path[512];
  const char *base = getenv("TMPDIR");
  snprintf(path, sizeof path, "%s/aimc-%s-XXXXXX", base ? base : "/tmp", tag);
  if (!mkdtemp(path)) {
    perror("mkdtemp");
    abort();
  }
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

int test_file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}
