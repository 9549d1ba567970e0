/* Atomic writes (temp file + fsync + rename) and small file helpers. */
#define _POSIX_C_SOURCE 200809L
#include "aimc/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aimc/status.h"

struct aimc_atomic_file {
  FILE *fp;
  char *path;
  char *tmp;
};

int aimc_atomic_open(aimc_ctx *ctx, const char *path, aimc_atomic_file **out) {
  *out = NULL;
  aimc_atomic_file *f = aimc_calloc(ctx, 1, sizeof *f);
  if (!f) return aimc_error(ctx, AIMC_ENOMEM, "out of memory opening %s", path);
  size_t n = strlen(path) + 32;
  f->path = aimc_strdup(ctx, path);
  f->tmp = aimc_malloc(ctx, n);
  if (!f->path || !f->tmp) {
    aimc_free(ctx, f->path);
    aimc_free(ctx, f->tmp);
    aimc_free(ctx, f);
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory opening %s", path);
  }
  snprintf(f->tmp, n, "%s.tmp.%ld", path, (long)getpid());
  f->fp = fopen(f->tmp, "wb");
  if (!f->fp) {
    int e = errno;
    aimc_free(ctx, f->path);
    aimc_free(ctx, f->tmp);
    aimc_free(ctx, f);
    return aimc_error(ctx, AIMC_EIO, "cannot write %s: %s", path, strerror(e));
  }
  *out = f;
  return AIMC_OK;
}

FILE *aimc_atomic_stream(aimc_atomic_file *f) { return f->fp; }

static void release(aimc_ctx *ctx, aimc_atomic_file *f) {
  aimc_free(ctx, f->path);
  aimc_free(ctx, f->tmp);
  aimc_free(ctx, f);
}

int aimc_atomic_commit(aimc_ctx *ctx, aimc_atomic_file *f) {
  int bad = ferror(f->fp) || fflush(f->fp) != 0 || fsync(fileno(f->fp)) != 0;
  int e = errno;
  bad |= fclose(f->fp) != 0;
  if (!bad && rename(f->tmp, f->path) == 0) {
    release(ctx, f);
    return AIMC_OK;
  }
  if (!bad) e = errno;
  remove(f->tmp);
  int rc = aimc_error(ctx, AIMC_EIO, "cannot write %s: %s", f->path, strerror(e));
  release(ctx, f);
  return rc;
}

void aimc_atomic_abort(aimc_ctx *ctx, aimc_atomic_file *f) {
  if (!f) return;
  fclose(f->fp);
  remove(f->tmp);
  release(ctx, f);
}

int aimc_write_file_atomic(aimc_ctx *ctx, const char *path, const void *data,
                           size_t size) {
  aimc_atomic_file *f;
  int rc = aimc_atomic_open(ctx, path, &f);
  if (rc) return rc;
  if (size && fwrite(data, 1, size, f->fp) != size) {
    aimc_atomic_abort(ctx, f);
    return aimc_error(ctx, AIMC_EIO, "cannot write %s", path);
  }
  return aimc_atomic_commit(ctx, f);
}

int aimc_read_file(aimc_ctx *ctx, const char *path, char **data, size_t *size) {
  *data = NULL;
  FILE *fp = fopen(path, "rb");
  if (!fp) return aimc_error(ctx, AIMC_EIO, "cannot read %s: %s", path, strerror(errno));
  size_t cap = 4096, n = 0;
  char *buf = aimc_malloc(ctx, cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n - 1, fp);
    if (n < cap - 1) break;
    char *bigger = aimc_realloc(ctx, buf, cap * 2);
    if (!bigger) aimc_free(ctx, buf);
    buf = bigger;
    cap *= 2;
  }
  int err = ferror(fp);
  fclose(fp);
  if (!buf) return aimc_error(ctx, AIMC_ENOMEM, "out of memory reading %s", path);
  if (err) {
    aimc_free(ctx, buf);
    return aimc_error(ctx, AIMC_EIO, "cannot read %s", path);
  }
  buf[n] = '\0';
  *data = buf;
  if (size) *size = n;
  return AIMC_OK;
}

int aimc_mkdirs(aimc_ctx *ctx, const char *path) {
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
    return aimc_error(ctx, AIMC_EINVAL, "path too long: %s", path);
  for (char *p = buf + 1; ; p++) {
    if (*p == '/' || *p == '\0') {
      char c = *p;
      *p = '\0';
      if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return aimc_error(ctx, AIMC_EIO, "cannot create directory %s: %s", buf,
                          strerror(errno));
      *p = c;
      if (!c) break;
    }
  }
  return AIMC_OK;
}
