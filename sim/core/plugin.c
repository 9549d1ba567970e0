/* Finds and loads the optional backends' plugins (plugin.h). One search
 * rule for every plugin and every host program: the folder of the object
 * that holds this code (the aimc program, a test, or libaimc.so), then the
 * install layout's plugin folder relative to it, then, for the build
 * tree's own programs only, the build tree. */
#define _GNU_SOURCE
#include "plugin.h"

#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aimc/status.h"

/* Set by CMake (cmake/plugins.cmake); the defaults keep a stray build of
 * this file compiling. */
#ifndef AIMC_PLUGIN_FROM_BINDIR
#define AIMC_PLUGIN_FROM_BINDIR "../lib/aimc"
#endif
#ifndef AIMC_PLUGIN_FROM_LIBDIR
#define AIMC_PLUGIN_FROM_LIBDIR "aimc"
#endif
#ifndef AIMC_PLUGIN_BUILD_DIR
#define AIMC_PLUGIN_BUILD_DIR ""
#endif

static int host_error(aimc_ctx *ctx, int status, const char *msg) {
  return aimc_error(ctx, status, "%s", msg);
}

static const aimc_plugin_host HOST = {
    aimc_malloc,
    aimc_free,
    host_error,
};

const aimc_plugin_host *aimc_plugin_host_get(void) { return &HOST; }

/* The folder of the object this function is linked into, into dir. */
static int self_dir(char *dir, size_t n) {
  Dl_info info;
  struct link_map *lm = NULL;
  if (!dladdr1((void *)self_dir, &info, (void **)&lm, RTLD_DL_LINKMAP) || !lm)
    return -1;
  if (lm->l_name && lm->l_name[0]) {
    snprintf(dir, n, "%s", lm->l_name);
  } else { /* the main program: the link map has no name for it */
    ssize_t k = readlink("/proc/self/exe", dir, n - 1);
    if (k <= 0) return -1;
    dir[k] = '\0';
  }
  char *slash = strrchr(dir, '/');
  if (!slash) return -1;
  *slash = '\0';
  return 0;
}

/* 1 when folder dir is the build tree or inside it: the build tree's own
 * programs (tests, benchmarks) look for plugins there, an installed aimc
 * never does (it might find the modules of another version). */
static int in_build_tree(const char *dir, const char *build) {
  char real[PATH_MAX], here[PATH_MAX];
  if (!build[0] || !realpath(build, real) || !realpath(dir, here)) return 0;
  size_t n = strlen(real);
  return !strncmp(here, real, n) && (here[n] == '\0' || here[n] == '/');
}

/* Opens the first candidate file that exists; *why says what failed. */
static void *open_plugin(const char *file, char *why, size_t n) {
  char dir[4096], cand[3][4200];
  int nc = 0;
  if (self_dir(dir, sizeof dir) == 0) {
    snprintf(cand[nc++], sizeof cand[0], "%s/%s", dir, file);
    snprintf(cand[nc++], sizeof cand[0], "%s/%s/%s", dir,
             AIMC_PLUGIN_FROM_BINDIR, file);
    snprintf(cand[nc++], sizeof cand[0], "%s/%s/%s", dir,
             AIMC_PLUGIN_FROM_LIBDIR, file);
  }
  const char *build = nc && in_build_tree(dir, AIMC_PLUGIN_BUILD_DIR) ? AIMC_PLUGIN_BUILD_DIR : "";
  char last[4200];
  snprintf(last, sizeof last, "%s/%s", build, file);
  for (int i = 0; i <= nc; i++) {
    const char *path = i < nc ? cand[i] : last;
    if (i == nc && !build[0]) break;
    struct stat sb;
    if (stat(path, &sb) != 0) continue;
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char *e = dlerror();
      snprintf(why, n, "%s", e ? e : path);
    }
    return h;
  }
  snprintf(why, n, "not found beside %s, in %s/%s%s%s (reinstall aimc)",
           nc ? dir : "the program", nc ? dir : "..", AIMC_PLUGIN_FROM_BINDIR,
           build[0] ? " or in " : "", build);
  return NULL;
}

/* The table of plugin `name`, or NULL with *why. */
static const void *load(const char *name, size_t size, char *why, size_t n) {
  char file[128], sym[128];
  snprintf(file, sizeof file, "aimc_%s.so", name);
  snprintf(sym, sizeof sym, "aimc_plugin_%s", name);
  void *h = open_plugin(file, why, n);
  if (!h) return NULL;
  const aimc_plugin_head *head = dlsym(h, sym);
  if (!head) {
    snprintf(why, n, "it has no symbol %s", sym);
    return NULL;
  }
  if (head->abi != AIMC_PLUGIN_ABI || head->size != size) {
    snprintf(why, n,
             "it is from another aimc build (plugin ABI %u, %u bytes; this "
             "aimc expects %u, %zu)",
             head->abi, head->size, AIMC_PLUGIN_ABI, size);
    return NULL;
  }
  return head;
}

int aimc_plugin_load(aimc_ctx *ctx, const char *name, const char *what,
                     size_t size, int status, const void **table) {
  char why[1024];
  *table = load(name, size, why, sizeof why);
  if (!*table)
    return aimc_error(ctx, status, "cannot load %s (aimc_%s.so): %s", what,
                      name, why);
  return AIMC_OK;
}

int aimc_plugin_available(const char *name, size_t size) {
  char why[1024];
  return load(name, size, why, sizeof why) != NULL;
}
