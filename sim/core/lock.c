/* An advisory lock file (flock) that keeps two writers out of one output
 * folder. The kernel drops the lock when its holder dies, so a killed
 * writer never leaves a stale lock behind. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "aimc/fileio.h"
#include "aimc/status.h"

struct aimc_lock {
  int fd;
};

int aimc_lock_acquire(aimc_ctx *ctx, const char *path, const char *what,
                      aimc_lock **out) {
  *out = NULL;
  int st = aimc_output_check(ctx, path, 0);
  if (st) return st;
  int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0)
    return aimc_error(ctx, AIMC_EIO, "cannot open lock %s: %s", path,
                      strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    char buf[32] = "";
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    long pid = strtol(buf, NULL, 10);
    close(fd);
    if (e != EWOULDBLOCK)
      return aimc_error(ctx, AIMC_EIO, "cannot lock %s: %s", path, strerror(e));
    char who[48] = "";
    if (pid > 0) snprintf(who, sizeof who, "pid %ld ", pid);
    return aimc_error(ctx, AIMC_ESTATE,
                      "%s is in use by another aimc process (%sholds %s); "
                      "wait for it to finish or choose another output",
                      what, who, path);
  }
  aimc_lock *l = aimc_calloc(ctx, 1, sizeof *l);
  if (!l) {
    close(fd);
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory locking %s", path);
  }
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
  if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n)
    aimc_log(ctx, AIMC_LOG_DEBUG, "%s: cannot record the pid", path);
  l->fd = fd;
  *out = l;
  return AIMC_OK;
}

void aimc_lock_release(aimc_ctx *ctx, aimc_lock *l) {
  if (!l) return;
  close(l->fd); /* drops the flock */
  aimc_free(ctx, l);
}
