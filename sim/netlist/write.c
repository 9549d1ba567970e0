/* The YAML writer of aimc/netlist.h: a thin layer over libyaml's emitter
 * (which decides quoting, so anything written reads back as the same text)
 * into a memory buffer that is written atomically at close. The first
 * error sticks: later calls are no-ops returning it, so callers may check
 * only the final aimc_yamlw_close. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "aimc/fileio.h"
#include "aimc/netlist.h"
#include "aimc/status.h"

#define MAX_NESTING 64

struct aimc_yamlw {
  aimc_ctx *ctx;
  char *path;
  yaml_emitter_t emitter;
  char *buf;
  size_t len, cap;
  int status;
  int depth;
  char open[MAX_NESTING]; /* 'm' mapping or 's' sequence */
};

static int write_handler(void *data, unsigned char *bytes, size_t size) {
  aimc_yamlw *w = data;
  if (w->len + size + 1 > w->cap) {
    size_t cap = w->cap ? w->cap : 4096;
    while (cap < w->len + size + 1) cap *= 2;
    char *b = aimc_realloc(w->ctx, w->buf, cap);
    if (!b) return 0;
    w->buf = b;
    w->cap = cap;
  }
  memcpy(w->buf + w->len, bytes, size);
  w->len += size;
  return 1;
}

/* Emits one event (libyaml takes it over), recording the first failure. */
static int emit(aimc_yamlw *w, yaml_event_t *ev, int made) {
  if (!made) {
    w->status = aimc_error(w->ctx, AIMC_ENOMEM, "out of memory writing %s", w->path);
    return w->status;
  }
  if (!yaml_emitter_emit(&w->emitter, ev))
    w->status = aimc_error(w->ctx, AIMC_EFAIL, "cannot write %s: %s", w->path,
                           w->emitter.problem ? w->emitter.problem : "YAML emitter error");
  return w->status;
}

int aimc_yamlw_open(aimc_ctx *ctx, const char *path, aimc_yamlw **out) {
  *out = NULL;
  aimc_yamlw *w = aimc_calloc(ctx, 1, sizeof *w);
  if (!w) return aimc_error(ctx, AIMC_ENOMEM, "out of memory writing %s", path);
  w->ctx = ctx;
  w->path = aimc_strdup(ctx, path);
  if (!w->path || !yaml_emitter_initialize(&w->emitter)) {
    aimc_free(ctx, w->path);
    aimc_free(ctx, w);
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory writing %s", path);
  }
  yaml_emitter_set_output(&w->emitter, write_handler, w);
  yaml_emitter_set_unicode(&w->emitter, 1);
  yaml_emitter_set_width(&w->emitter, 100);
  yaml_event_t ev;
  if (!emit(w, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING)))
    emit(w, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
  if (w->status) {
    int rc = w->status;
    aimc_yamlw_abort(w);
    return rc;
  }
  *out = w;
  return AIMC_OK;
}

static int start(aimc_yamlw *w, char kind, int flow) {
  if (!w) return AIMC_EINVAL;
  if (w->status) return w->status;
  if (w->depth == MAX_NESTING)
    return w->status = aimc_error(w->ctx, AIMC_EINVAL, "%s: nesting deeper than %d", w->path,
                                  MAX_NESTING);
  yaml_event_t ev;
  int made = kind == 'm'
                 ? yaml_mapping_start_event_initialize(
                       &ev, NULL, NULL, 1, flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE)
                 : yaml_sequence_start_event_initialize(
                       &ev, NULL, NULL, 1, flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
  if (!emit(w, &ev, made)) w->open[w->depth++] = kind;
  return w->status;
}

int aimc_yamlw_map(aimc_yamlw *w, int flow) { return start(w, 'm', flow); }
int aimc_yamlw_seq(aimc_yamlw *w, int flow) { return start(w, 's', flow); }

int aimc_yamlw_end(aimc_yamlw *w) {
  if (!w) return AIMC_EINVAL;
  if (w->status) return w->status;
  if (w->depth == 0)
    return w->status = aimc_error(w->ctx, AIMC_EINVAL, "%s: end without an open collection",
                                  w->path);
  yaml_event_t ev;
  int made = w->open[--w->depth] == 'm' ? yaml_mapping_end_event_initialize(&ev)
                                        : yaml_sequence_end_event_initialize(&ev);
  return emit(w, &ev, made);
}

/* Texts the loader would read as null when written plain. */
static int reads_as_null(const char *t) {
  return !*t || !strcmp(t, "~") || !strcmp(t, "null") || !strcmp(t, "Null") ||
         !strcmp(t, "NULL");
}

int aimc_yamlw_str(aimc_yamlw *w, const char *text) {
  if (!w) return AIMC_EINVAL;
  if (w->status) return w->status;
  yaml_event_t ev;
  yaml_scalar_style_t style =
      reads_as_null(text) ? YAML_SINGLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE;
  int made = yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text),
                                          1, 1, style);
  return emit(w, &ev, made);
}

int aimc_yamlw_fmt(aimc_yamlw *w, const char *fmt, ...) {
  char text[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (w && !w->status && (n < 0 || (size_t)n >= sizeof text))
    w->status = aimc_error(w->ctx, AIMC_ERANGE, "%s: scalar longer than %zu characters",
                           w->path, sizeof text - 1);
  return aimc_yamlw_str(w, text);
}

int aimc_yamlw_kv(aimc_yamlw *w, const char *key, const char *value) {
  aimc_yamlw_str(w, key);
  return aimc_yamlw_str(w, value);
}

void aimc_yamlw_abort(aimc_yamlw *w) {
  if (!w) return;
  yaml_emitter_delete(&w->emitter);
  aimc_free(w->ctx, w->buf);
  aimc_free(w->ctx, w->path);
  aimc_free(w->ctx, w);
}

int aimc_yamlw_close(aimc_yamlw *w) {
  if (!w) return AIMC_EINVAL;
  while (!w->status && w->depth) aimc_yamlw_end(w);
  yaml_event_t ev;
  if (!w->status && !emit(w, &ev, yaml_document_end_event_initialize(&ev, 1)) &&
      !emit(w, &ev, yaml_stream_end_event_initialize(&ev)) && !yaml_emitter_flush(&w->emitter))
    w->status = aimc_error(w->ctx, AIMC_EFAIL, "cannot write %s", w->path);
  int rc = w->status;
  if (!rc) rc = aimc_write_file_atomic(w->ctx, w->path, w->buf ? w->buf : "", w->len);
  aimc_yamlw_abort(w);
  return rc;
}
