/* The gather's index map (aimc/gather.h): built from pairs, read from
 * and written to its CSV file. Invariant of a built map: start is
 * non-decreasing from 0 to the pair count and every src lies in
 * [0, n_in), so eval reads inside its input whatever the file held. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/gather.h"
#include "aimc/status.h"

void aimc_gather_map_fini(aimc_ctx *ctx, aimc_gather_map *m) {
  aimc_free(ctx, m->off);
  aimc_free(ctx, m->start);
  aimc_free(ctx, m->src);
  memset(m, 0, sizeof *m);
}

/* off[] from the widths: the ports' words one after the other. */
static int port_offsets(aimc_ctx *ctx, const aimc_gather_params *p, aimc_gather_map *m) {
  int count = aimc_port_widths_scan(p->widths, 0, NULL);
  if (count < 1)
    return aimc_error(ctx, AIMC_EINVAL, "gather: widths '%s' is not a list of port widths",
                      p->widths);
  m->n_ports = count;
  m->off = aimc_calloc(ctx, (size_t)count + 1, sizeof *m->off);
  if (!m->off) return AIMC_ENOMEM;
  long total = 0;
  for (int k = 0; k < count; k++) {
    int w = 0;
    aimc_port_widths_scan(p->widths, k, &w);
    m->off[k] = (int)total;
    if ((total += w) > (1L << 24))
      return aimc_error(ctx, AIMC_ERANGE, "gather: more than 2^24 input words");
  }
  m->off[count] = (int)total;
  m->n_in = (int)total;
  return AIMC_OK;
}

int aimc_gather_map_build(aimc_ctx *ctx, const aimc_gather_params *p, size_t n_pairs,
                          const int *out, const int *port, const int *word,
                          aimc_gather_map *m) {
  memset(m, 0, sizeof *m);
  m->n = p->n;
  int st = port_offsets(ctx, p, m);
  if (!st) {
    m->start = aimc_calloc(ctx, (size_t)p->n + 2, sizeof *m->start);
    m->src = aimc_calloc(ctx, n_pairs + 1, sizeof *m->src);
    if (!m->start || !m->src) st = AIMC_ENOMEM;
  }
  for (size_t k = 0; k < n_pairs && !st; k++) {
    if (out[k] < 0 || out[k] >= p->n || port[k] < 0 || port[k] >= m->n_ports || word[k] < 0 ||
        word[k] >= m->off[port[k] + 1] - m->off[port[k]])
      st = aimc_error(ctx, AIMC_ERANGE,
                      "gather: pair %zu (out %d, port %d, word %d) is out of range (%d outputs, "
                      "%d ports of widths %s)",
                      k, out[k], port[k], word[k], p->n, m->n_ports, p->widths);
    else
      m->start[out[k] + 2]++;
  }
  if (st) {
    aimc_gather_map_fini(ctx, m);
    return st;
  }
  /* Counting sort, stable: each output's pairs keep their order. */
  for (int j = 0; j < p->n; j++) m->start[j + 2] += m->start[j + 1];
  for (size_t k = 0; k < n_pairs; k++)
    m->src[m->start[out[k] + 1]++] = m->off[port[k]] + word[k];
  return AIMC_OK;
}

int aimc_gather_map_equal(const aimc_gather_map *a, const aimc_gather_map *b) {
  if (a->n != b->n || a->n_ports != b->n_ports || a->n_in != b->n_in) return 0;
  if (memcmp(a->off, b->off, sizeof *a->off * ((size_t)a->n_ports + 1))) return 0;
  if (memcmp(a->start, b->start, sizeof *a->start * ((size_t)a->n + 1))) return 0;
  return !memcmp(a->src, b->src, sizeof *a->src * (size_t)a->start[a->n]);
}

void aimc_gather_map_source(const aimc_gather_map *m, int src, int *port, int *word) {
  int k = 0;
  while (k + 1 < m->n_ports && m->off[k + 1] <= src) k++;
  *port = k;
  *word = src - m->off[k];
}

void aimc_gather_map_write(FILE *o, const aimc_gather_map *m) {
  fputs(AIMC_GATHER_HEADER "\n", o);
  for (int j = 0; j < m->n; j++)
    for (int k = m->start[j]; k < m->start[j + 1]; k++) {
      int port, word;
      aimc_gather_map_source(m, m->src[k], &port, &word);
      fprintf(o, "%d,%d,%d\n", j, port, word);
    }
}

/* Field i of a line: a decimal integer in [0, hi) (hi > 0), else the
 * error at its column; *p moves past the field and its comma. */
static int int_field(aimc_ctx *ctx, const char *path, int line, const char *s, char **p,
                     const char *name, long hi, const char *what, int *v) {
  char *f = *p;
  while (*f == ' ' || *f == '\t') f++;
  char *end;
  errno = 0;
  long x = (*f >= '0' && *f <= '9') ? strtol(f, &end, 10) : -1;
  if (x < 0) end = f;
  char *e = end;
  while (*e == ' ' || *e == '\t' || *e == '\r') e++;
  int col = (int)(f - s) + 1;
  if (end == f || errno || (*e && *e != ','))
    return aimc_error(ctx, AIMC_EFORMAT, "%s:%d:%d: %s is not a decimal integer", path, line,
                      col, name);
  if (x >= hi)
    return aimc_error(ctx, AIMC_ERANGE, "%s:%d:%d: %s %ld is out of range: %s", path, line,
                      col, name, x, what);
  *v = (int)x;
  *p = *e == ',' ? e + 1 : e;
  return AIMC_OK;
}

/* One data line: out, port, word. */
static int parse_line(aimc_ctx *ctx, const char *path, int line, char *s,
                      const aimc_gather_params *p, const aimc_gather_map *shape, int *o,
                      int *port, int *word) {
  char *q = s, what[128];
  int fields = 1;
  for (const char *c = s; *c; c++) fields += *c == ',';
  if (fields != 3)
    return aimc_error(ctx, AIMC_ESHAPE, "%s:%d:1: %d fields, expected 3 (" AIMC_GATHER_HEADER
                      ")", path, line, fields);
  snprintf(what, sizeof what, "the gather has %d output words (n)", p->n);
  int st = int_field(ctx, path, line, s, &q, "out", p->n, what, o);
  snprintf(what, sizeof what, "the gather has %d input ports (widths %s)", shape->n_ports,
           p->widths);
  if (!st) st = int_field(ctx, path, line, s, &q, "port", shape->n_ports, what, port);
  if (st) return st;
  int w = shape->off[*port + 1] - shape->off[*port];
  snprintf(what, sizeof what, "in[%d] is %d words wide", *port, w);
  return int_field(ctx, path, line, s, &q, "word", w, what, word);
}

int aimc_gather_map_read(aimc_ctx *ctx, const char *path, const aimc_gather_params *p,
                         aimc_gather_map *m) {
  memset(m, 0, sizeof *m);
  aimc_gather_map shape = {0};
  int st = port_offsets(ctx, p, &shape);
  if (st) {
    aimc_gather_map_fini(ctx, &shape);
    return st;
  }
  char *text = NULL;
  size_t size = 0;
  st = aimc_read_text(ctx, path, "index map", &text, &size);
  /* At most one pair per line. */
  size_t cap = 1;
  for (size_t i = 0; !st && i < size; i++) cap += text[i] == '\n';
  int *pairs = st ? NULL : aimc_calloc(ctx, 3 * cap, sizeof *pairs);
  if (!st && !pairs) st = AIMC_ENOMEM;
  size_t n = 0;
  int line = 0, header = 0;
  char *cursor = text, *s, *q;
  while (!st && (q = aimc_text_line(&cursor, &line, &s))) {
    if (!header) {
      st = aimc_text_header(ctx, path, line, q, AIMC_GATHER_HEADER);
      header = 1;
      continue;
    }
    st = parse_line(ctx, path, line, s, p, &shape, &pairs[n], &pairs[cap + n],
                    &pairs[2 * cap + n]);
    n++;
  }
  if (!st && !header)
    st = aimc_error(ctx, AIMC_EFORMAT, "%s:1:1: expected the header '" AIMC_GATHER_HEADER "'",
                    path);
  if (!st) st = aimc_gather_map_build(ctx, p, n, pairs, pairs + cap, pairs + 2 * cap, m);
  aimc_free(ctx, pairs);
  aimc_free(ctx, text);
  aimc_gather_map_fini(ctx, &shape);
  return st;
}
