/* Output folders published as one unit: a command writes every file into
 * "<dir>.tmp.<pid>", adds the marker ".aimc-output" last, then swaps the
 * folder into place with one rename (RENAME_EXCHANGE when an older output
 * is there), so a reader sees the complete old or the complete new output,
 * never a mix. A folder without the marker is unfinished or not ours. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aimc/fileio.h"
#include "aimc/status.h"

struct aimc_outdir {
  char final[4096], tmp[4200], kind[64];
};

static void fsync_path(const char *path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  (void)fsync(fd);
  close(fd);
}

static void parent_of(const char *path, char *buf, size_t len) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    snprintf(buf, len, ".");
  else if (slash == path)
    snprintf(buf, len, "/");
  else
    snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

/* The first line of the marker, or "" when there is none. */
static void marker_kind(const char *dir, char *kind, size_t len) {
  char path[4200];
  snprintf(path, sizeof path, "%s/" AIMC_OUTDIR_MARKER, dir);
  kind[0] = '\0';
  FILE *fp = fopen(path, "rb");
  if (!fp) return;
  if (!fgets(kind, (int)len, fp)) kind[0] = '\0';
  fclose(fp);
  kind[strcspn(kind, "\r\n")] = '\0';
}

/* An existing folder may be replaced when it is our own output of this
 * kind, empty, or (written before the marker existed) holds only names
 * matching `legacy` (fnmatch patterns, NULL-terminated). */
static int replaceable(aimc_ctx *ctx, const char *dir, const char *kind,
                       const char *const *legacy) {
  char have[64];
  marker_kind(dir, have, sizeof have);
  if (have[0] && !strcmp(have, kind)) return AIMC_OK;
  if (have[0])
    return aimc_error(ctx, AIMC_EINVAL,
                      "%s holds the output of '%s', not of '%s': refusing to "
                      "replace it (choose another output)",
                      dir, have, kind);
  DIR *d = opendir(dir);
  if (!d)
    return aimc_error(ctx, AIMC_EIO, "cannot read %s: %s", dir,
                      strerror(errno));
  const char *foreign = NULL;
  struct dirent *e;
  while ((e = readdir(d)) && !foreign) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (strstr(e->d_name, ".tmp.")) continue;
    int ok = 0;
    for (const char *const *p = legacy; p && *p && !ok; p++)
      ok = fnmatch(*p, e->d_name, 0) == 0;
    if (!ok) foreign = e->d_name;
  }
  int st = AIMC_OK;
  if (foreign)
    st = aimc_error(ctx, AIMC_EINVAL,
                    "%s exists and is not an output of '%s' (it holds %s and "
                    "no " AIMC_OUTDIR_MARKER
                    "): refusing to replace it "
                    "(remove it or choose another output)",
                    dir, kind, foreign);
  closedir(d);
  return st;
}

int aimc_outdir_begin(aimc_ctx *ctx, const char *dir, const char *kind,
                      const char *const *legacy, aimc_outdir **out) {
  *out = NULL;
  aimc_outdir *t = aimc_calloc(ctx, 1, sizeof *t);
  if (!t) return aimc_error(ctx, AIMC_ENOMEM, "out of memory opening %s", dir);
  if (!*dir) {
    aimc_free(ctx, t);
    return aimc_error(ctx, AIMC_EINVAL, "an empty path names no output folder");
  }
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') n--; /* "out/" names the folder out */
  if (n >= sizeof t->final) {
    aimc_free(ctx, t);
    return aimc_error(ctx, AIMC_EINVAL, "path too long: %s", dir);
  }
  memcpy(t->final, dir, n);
  snprintf(t->tmp, sizeof t->tmp, "%s.tmp.%ld", t->final, (long)getpid());
  snprintf(t->kind, sizeof t->kind, "%s", kind);
  struct stat sb;
  int st = aimc_output_check(ctx, t->final, 1);
  if (!st && lstat(t->final, &sb) == 0)
    st = replaceable(ctx, t->final, kind, legacy);
  char parent[4096];
  parent_of(t->final, parent, sizeof parent);
  if (!st) st = aimc_mkdirs(ctx, parent);
  if (!st) {
    aimc_clean_stale(ctx, t->final);
    aimc_remove_tree(t->tmp); /* a dead process of our pid left it */
    if (mkdir(t->tmp, 0777) != 0)
      st = aimc_error(ctx, AIMC_EIO, "cannot create directory %s: %s", t->tmp,
                      strerror(errno));
  }
  if (st) {
    aimc_free(ctx, t);
    return st;
  }
  *out = t;
  return AIMC_OK;
}

const char *aimc_outdir_path(const aimc_outdir *t) { return t->tmp; }
const char *aimc_outdir_final(const aimc_outdir *t) { return t->final; }

int aimc_outdir_commit(aimc_ctx *ctx, aimc_outdir *t, const char *marker) {
  char path[4300], parent[4096];
  snprintf(path, sizeof path, "%s/" AIMC_OUTDIR_MARKER, t->tmp);
  char text[4096];
  snprintf(text, sizeof text, "%s\n%s", t->kind, marker ? marker : "");
  int st = aimc_write_file_atomic(ctx, path, text, strlen(text));
  if (!st) {
    fsync_path(t->tmp);
    struct stat sb;
    int have_old = lstat(t->final, &sb) == 0;
    int rc = have_old ? aimc_rename_exchange(t->tmp, t->final) : -1;
    if (have_old && rc != 0 && errno != ENOENT) {
      /* No RENAME_EXCHANGE here: move the old folder aside, then the new one
       * in; a kill in between leaves no output, never a mixed one. */
      char old[4300];
      snprintf(old, sizeof old, "%s.old.%ld", t->final, (long)getpid());
      rc = aimc_rename(t->final, old);
      if (!rc && aimc_rename(t->tmp, t->final) != 0) {
        int e = errno;
        (void)rename(old, t->final); /* the old output back in place */
        errno = e;
        rc = -1;
      } else if (!rc) {
        aimc_remove_tree(old);
      }
    } else if (rc != 0) {
      rc = aimc_rename(t->tmp, t->final);
    }
    if (rc != 0)
      st = aimc_error(ctx, AIMC_EIO, "cannot publish %s: %s", t->final,
                      strerror(errno));
  }
  /* After an exchange the temporary name holds the old output. */
  aimc_remove_tree(t->tmp);
  parent_of(t->final, parent, sizeof parent);
  fsync_path(parent);
  aimc_free(ctx, t);
  return st;
}

void aimc_outdir_abort(aimc_ctx *ctx, aimc_outdir *t) {
  if (!t) return;
  aimc_remove_tree(t->tmp);
  aimc_free(ctx, t);
}

int aimc_outdir_check(aimc_ctx *ctx, const char *dir, const char *kind,
                      char **marker) {
  if (marker) *marker = NULL;
  char path[4200], have[64];
  struct stat sb;
  if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
    return aimc_error(ctx, AIMC_ENOTFOUND, "%s: no such output folder", dir);
  marker_kind(dir, have, sizeof have);
  if (strcmp(have, kind) != 0)
    return aimc_error(ctx, AIMC_EINVAL,
                      "%s is not a complete output of '%s' (%s%s%s): an "
                      "interrupted run or files copied by hand; run '%s' again",
                      dir, kind,
                      have[0] ? "its marker names '" : "no " AIMC_OUTDIR_MARKER,
                      have, have[0] ? "'" : "", kind);
  if (!marker) return AIMC_OK;
  snprintf(path, sizeof path, "%s/" AIMC_OUTDIR_MARKER, dir);
  return aimc_read_file(ctx, path, marker, NULL);
}
