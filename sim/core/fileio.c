/* Atomic writes (temp file + fsync + rename) and small file helpers:
 * targets that are not regular files are refused (a rename would replace a
 * device node or a symlink), and temporaries a killed writer left beside
 * the target are removed before a new one is made. */
#define _GNU_SOURCE
#include "aimc/fileio.h"
#include "aimc/input.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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
  int st = aimc_output_check(ctx, path, 0);
  if (!st) aimc_clean_stale(ctx, path);
  /* O_NOFOLLOW: a symlink planted at the temporary name is not followed. */
  int fd = st ? -1 : open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0666);
  f->fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
  if (fd >= 0 && !f->fp) close(fd);
  if (!f->fp) {
    int e = errno;
    aimc_free(ctx, f->path);
    aimc_free(ctx, f->tmp);
    aimc_free(ctx, f);
    return st ? st : aimc_error(ctx, AIMC_EIO, "cannot write %s: %s", path, strerror(e));
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
  if (!bad && aimc_rename(f->tmp, f->path) == 0) {
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
  /* One rule for inputs: missing, a directory or a device (/dev/zero
   * would never end) is the caller's input problem (exit 2). */
  int st = aimc_input_check(ctx, path, NULL);
  if (st) return st;
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

int aimc_read_text(aimc_ctx *ctx, const char *path, const char *what, char **text,
                   size_t *size) {
  size_t n = 0;
  int st = aimc_read_file(ctx, path, text, &n);
  if (st == AIMC_EIO) return aimc_error(ctx, AIMC_ENOTFOUND, "%s %s cannot be read", what, path);
  if (st) return st;
  if (memchr(*text, '\0', n)) {
    aimc_free(ctx, *text);
    *text = NULL;
    return aimc_error(ctx, AIMC_EFORMAT, "%s: not a text file (NUL byte)", path);
  }
  if (size) *size = n;
  return AIMC_OK;
}

int aimc_text_header(aimc_ctx *ctx, const char *path, int line, const char *q,
                     const char *header) {
  size_t h = strlen(header);
  if (strncmp(q, header, h) == 0 && strspn(q + h, " \t\r") == strlen(q + h)) return AIMC_OK;
  return aimc_error(ctx, AIMC_EFORMAT, "%s:%d:1: expected the header '%s'", path, line, header);
}

int aimc_mkdirs(aimc_ctx *ctx, const char *path) {
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
    return aimc_error(ctx, AIMC_EINVAL, "path too long: %s", path);
  for (char *p = buf + 1; ; p++) {
    if (*p == '/' || *p == '\0') {
      char c = *p;
      *p = '\0';
      struct stat sb;
      if (mkdir(buf, 0777) != 0) {
        /* Something in the way that is not a folder is the user's path
         * problem (exit 2); a failing file system is a runtime one. */
        int e = errno;
        if ((e == EEXIST || e == ENOTDIR) && (stat(buf, &sb) != 0 || !S_ISDIR(sb.st_mode)))
          return strcmp(buf, path) == 0
                     ? aimc_error(ctx, AIMC_EINVAL, "%s exists and is not a directory", path)
                     : aimc_error(ctx, AIMC_EINVAL,
                                  "cannot create directory %s: %s exists and is not a directory",
                                  path, buf);
        if (e != EEXIST)
          return aimc_error(ctx, AIMC_EIO, "cannot create directory %s: %s", buf,
                            strerror(e));
      }
      *p = c;
      if (!c) break;
    }
  }
  return AIMC_OK;
}

/* The test hook AIMC_TEST_KILL_AT=rename:N: the process kills itself with
 * SIGKILL just before its N-th rename (1-based), so the crash test can stop
 * a writer between two publications. A process-wide counter on purpose:
 * it counts what this process published. */
static long renames_done;

static void kill_hook(void) {
  const char *at = getenv("AIMC_TEST_KILL_AT");
  if (!at || strncmp(at, "rename:", 7) != 0) return;
  long n = strtol(at + 7, NULL, 10);
  if (++renames_done == n) raise(SIGKILL);
}

int aimc_rename(const char *from, const char *to) {
  kill_hook();
  return rename(from, to);
}

int aimc_rename_exchange(const char *a, const char *b) {
  kill_hook();
#ifdef RENAME_EXCHANGE
  return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
#else
  (void)a;
  (void)b;
  errno = ENOSYS;
  return -1;
#endif
}

static const char *kind_of(mode_t m) {
  if (S_ISLNK(m)) return "a symbolic link";
  if (S_ISDIR(m)) return "a directory";
  if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISREG(m)) return "a regular file";
  return "of an unknown type";
}

int aimc_output_check(aimc_ctx *ctx, const char *path, int want_dir) {
  struct stat sb;
  if (!path || !*path)
    return aimc_error(ctx, AIMC_EINVAL, "an empty path names no output");
  if (lstat(path, &sb) != 0) return AIMC_OK; /* a new output */
  if (want_dir ? S_ISDIR(sb.st_mode) : S_ISREG(sb.st_mode)) return AIMC_OK;
  return aimc_error(ctx, AIMC_EINVAL,
                    "%s exists and is %s, not a %s: refusing to replace it "
                    "(remove it or choose another output)",
                    path, kind_of(sb.st_mode), want_dir ? "directory" : "regular file");
}

/* "<base>.tmp.<pid>" or "<base>.old.<pid>" of a process that is gone. */
static int is_stale(const char *name, const char *base) {
  size_t n = strlen(base);
  if (strncmp(name, base, n) != 0) return 0;
  name += n;
  if (strncmp(name, ".tmp.", 5) != 0 && strncmp(name, ".old.", 5) != 0) return 0;
  char *end;
  long pid = strtol(name + 5, &end, 10);
  if (*end || end == name + 5 || pid <= 0) return 0;
  return pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int aimc_remove_tree(const char *path) {
  struct stat sb;
  if (lstat(path, &sb) != 0) return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR(sb.st_mode)) return remove(path);
  DIR *d = opendir(path);
  if (!d) return -1;
  struct dirent *e;
  int bad = 0;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    size_t n = strlen(path) + strlen(e->d_name) + 2;
    char *sub = malloc(n);
    if (!sub) {
      bad = 1;
      break;
    }
    snprintf(sub, n, "%s/%s", path, e->d_name);
    bad |= aimc_remove_tree(sub) != 0;
    free(sub);
  }
  closedir(d);
  return bad ? -1 : rmdir(path);
}

void aimc_clean_stale(aimc_ctx *ctx, const char *path) {
  char dir[4096];
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  else snprintf(dir, sizeof dir, ".");
  if (!dir[0]) snprintf(dir, sizeof dir, "/");
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char sub[8192];
  while ((e = readdir(d))) {
    if (!is_stale(e->d_name, base)) continue;
    snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
    if (aimc_remove_tree(sub) == 0)
      aimc_log(ctx, AIMC_LOG_DEBUG, "removed %s, left by an interrupted writer", sub);
  }
  closedir(d);
}

void aimc_path_beside(const char *anchor, const char *rel, char *buf, size_t len) {
  const char *slash = anchor ? strrchr(anchor, '/') : NULL;
  int dir = slash && rel[0] != '/' ? (int)(slash - anchor) + 1 : 0;
  snprintf(buf, len, "%.*s%s", dir, dir ? anchor : "", rel);
  if (dir && access(buf, F_OK) != 0 && access(rel, F_OK) == 0) snprintf(buf, len, "%s", rel);
}

void aimc_path_from(const char *anchor, const char *path, char *buf, size_t len) {
  snprintf(buf, len, "%s", path);
  const char *slash = strrchr(anchor, '/');
  char dir[PATH_MAX], from[PATH_MAX + 1], to[PATH_MAX];
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - anchor) + 1 : 1,
           slash ? anchor : ".");
  if (path[0] == '/' || !realpath(dir, from) || !realpath(path, to)) return;
  size_t n = strlen(from);
  if (from[n - 1] != '/') from[n] = '/', from[n + 1] = '\0';
  /* The folders both share, then "../" for each folder of anchor's left. */
  size_t common = 0;
  for (size_t i = 0; from[i] && from[i] == to[i]; i++)
    if (from[i] == '/') common = i + 1;
  size_t at = 0;
  for (const char *p = from + common; *p; p++)
    if (*p == '/' && at + 3 < len) memcpy(buf + at, "../", 3), at += 3;
  snprintf(buf + at, len - at, "%s", to + common);
}

char *aimc_text_line(char **cursor, int *line, char **start) {
  for (char *s = *cursor; s && *s; s = *cursor) {
    char *next = strchr(s, '\n');
    if (next) *next++ = '\0';
    *cursor = next;
    ++*line;
    char *p = s;
    while (*p == ' ' || *p == '\t' || *p == '\r') p++;
    if (!*p || *p == '#') continue;
    *start = s;
    return p;
  }
  return NULL;
}
