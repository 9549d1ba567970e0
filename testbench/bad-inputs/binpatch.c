/* binpatch: makes corrupt-but-checksummed aimc binary files for the
 * bad-input tests. It rewrites header fields or elements of named blocks,
 * then recomputes every checksum, so the loader under test must judge the
 * meaning of the values, not only their integrity.
 *
 *   binpatch KIND IN OUT EDIT...      KIND: weights checkpoint programming cache
 *   binpatch KIND IN --list           prints the fields and blocks
 *
 * EDIT is FIELD=VALUE (a header field, e.g. h=16384, quant_a.range=nan,
 * e_J=-1), BLOCK[I]=VALUE (element I of a block or array, e.g.
 * a_re[3]=inf, mode_mask[0]=2, g[10]=1e300, frames[0]=0), state.FIELD=V
 * or state_f.FIELD=V (checkpoint counters by name), or one of
 * nocrc (leave every checksum as patched: a corrupt file),
 * trim=N (drop N bytes before the trailing CRC), append=N (add N zero
 * bytes there). The feature cache has no trailing CRC but one per file
 * and one over its header: x[I] is feature I counted over all files,
 * trim/append act at the file's end, and the fix recomputes each file's
 * CRC (when the patched frames still fit the file) and the header's.
 * Layouts: docs/weights-format.md, trainer/checkpoint.c, sim/infer/hw.c,
 * sim/data/cache.c. Exit 0, or 2 with a message. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum { T_U8, T_I32, T_U32, T_I64, T_U64, T_F32, T_F64 };
static const size_t TSIZE[] = {1, 4, 4, 8, 8, 4, 8};

typedef struct {
  const char *name;
  size_t off;
  int type;
} field;

/* ---- Header fields of each kind ---- */

static const field WEIGHTS[] = {
    {"version", 8, T_U32},  {"bom", 12, T_U32},      {"n_in", 16, T_I32},
    {"n_out", 20, T_I32},   {"h", 24, T_I32},        {"m", 28, T_I32},
    {"layers", 32, T_I32},  {"mix", 36, T_I32},      {"use_ssm", 40, T_I32},
    {"reserved", 44, T_I32}, {NULL, 0, 0}};
static const char *const QUANTS[7] = {"quant_a", "quant_b", "quant_c",
                                      "quant_d", "quant_u", "quant_x",
                                      "quant_y"};
static const field CHECKPOINT[] = {
    {"version", 8, T_U32}, {"bom", 12, T_U32},     {"n_in", 16, T_I64},
    {"n_out", 24, T_I64},  {"h", 32, T_I64},       {"m", 40, T_I64},
    {"layers", 48, T_I64}, {"kmix", 56, T_I64},    {"use_ssm", 64, T_I64},
    {"len", 72, T_I64},    {"n_params", 80, T_I64}, {"seed", 88, T_I64},
    {NULL, 0, 0}};
static const field PROGRAMMING[] = {
    {"model_hash", 8, T_U64},  {"arch_hash", 16, T_U64},
    {"n_arrays", 24, T_U64},   {"rows", 32, T_U64},
    {"cols", 40, T_U64},       {"devices", 48, T_U64},
    {"pulses", 56, T_U64},     {"t_s", 64, T_F64},
    {"e_J", 72, T_F64},        {"resid_mean", 80, T_F64},
    {"resid_rms", 88, T_F64},  {"resid_max", 96, T_F64},
    {"resid_bin", 232, T_F64}, {"stuck", 240, T_U64},
    {NULL, 0, 0}};
static const field CACHE[] = {
    {"key", 8, T_U64}, {"n_files", 16, T_U64}, {"n_mels", 24, T_U64},
    {NULL, 0, 0}};
/* Element names of the checkpoint's counter blocks (trainer/checkpoint.c). */
static const char *const STATE[] = {
    "step",     "epoch",   "pos",  "since_best", "nonfinite", "pruned",
    "has_best", "correct", "seen", "rows",       "gn_steps",  NULL};
static const char *const STATE_F[] = {"loss_sum", "best_val_acc", "gnorm0",
                                      "gnorm1",   "gnorm2",       "gnorm3",
                                      NULL};

/* ---- The file ---- */

typedef struct {
  char name[17];
  int type; /* T_F64, T_U8 or T_I64 */
  size_t head, payload, count;
} block;

static unsigned char *buf;
static size_t size; /* bytes before the trailing CRC */
static block blocks[64];
static int n_blocks;

static void die(const char *fmt, const char *a) {
  fprintf(stderr, "binpatch: ");
  fprintf(stderr, fmt, a);
  fputc('\n', stderr);
  exit(2);
}

static uint32_t crc(const unsigned char *p, size_t n) {
  return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)n);
}

/* Block containers: header, then {name[16], u32 type, u32 crc, u64
 * count, payload} up to the trailing CRC. */
static void scan_blocks(size_t header) {
  size_t pos = header;
  while (pos + 32 <= size && n_blocks < 64) {
    block *b = &blocks[n_blocks];
    memcpy(b->name, buf + pos, 16);
    b->name[16] = '\0';
    uint32_t t;
    uint64_t c;
    memcpy(&t, buf + pos + 16, 4);
    memcpy(&c, buf + pos + 24, 8);
    b->type = t == 0 ? T_F64 : t == 1 ? T_U8 : T_I64;
    b->head = pos;
    b->payload = pos + 32;
    b->count = (size_t)c;
    if (c > (size - b->payload) / TSIZE[b->type]) break;
    pos = b->payload + b->count * TSIZE[b->type];
    n_blocks++;
  }
}

static void store(unsigned char *at, int type, const char *text) {
  char *end;
  errno = 0;
  union {
    uint8_t u8;
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    float f32;
    double f64;
  } v;
  if (type == T_F32 || type == T_F64) {
    double d = strtod(text, &end);
    if (type == T_F32)
      v.f32 = (float)d;
    else
      v.f64 = d;
  } else if (text[0] == '-') {
    long long x = strtoll(text, &end, 0);
    if (type == T_U8) v.u8 = (uint8_t)x;
    if (type == T_I32 || type == T_U32) v.i32 = (int32_t)x;
    if (type == T_I64 || type == T_U64) v.i64 = (int64_t)x;
  } else {
    unsigned long long x = strtoull(text, &end, 0);
    if (type == T_U8) v.u8 = (uint8_t)x;
    if (type == T_I32 || type == T_U32) v.u32 = (uint32_t)x;
    if (type == T_I64 || type == T_U64) v.u64 = (uint64_t)x;
  }
  if (end == text || *end || errno == EINVAL) die("bad value '%s'", text);
  memcpy(at, &v, TSIZE[type]);
}

static const field *header_fields(const char *kind) {
  if (!strcmp(kind, "weights")) return WEIGHTS;
  if (!strcmp(kind, "checkpoint")) return CHECKPOINT;
  if (!strcmp(kind, "programming")) return PROGRAMMING;
  if (!strcmp(kind, "cache")) return CACHE;
  die("unknown kind '%s' (weights, checkpoint, programming, cache)", kind);
  return NULL;
}

static int index_of(const char *const *names, const char *name) {
  for (int i = 0; names[i]; i++)
    if (!strcmp(names[i], name)) return i;
  return -1;
}

/* Element `i` of a named array: a block, or the flat arrays of the
 * programming (g, resid_hist) and cache (frames, x) files. */
static unsigned char *element(const char *kind, const char *name, size_t i,
                              int *type) {
  uint64_t nf = 0;
  if (!strcmp(kind, "programming") && !strcmp(name, "g")) {
    *type = T_F64;
    if (248 + 8 * (i + 1) > size) die("g[%s] is beyond the file", name);
    return buf + 248 + 8 * i;
  }
  if (!strcmp(kind, "programming") && !strcmp(name, "resid_hist")) {
    if (i >= 16) die("resid_hist has 16 bins (%s)", name);
    *type = T_U64;
    return buf + 104 + 8 * i;
  }
  if (!strcmp(kind, "cache")) {
    memcpy(&nf, buf + 16, 8);
    size_t at = !strcmp(name, "frames") ? 32 + 8 * i
                : !strcmp(name, "x")    ? 32 + 12 * (size_t)nf + 4 + 4 * i
                                        : SIZE_MAX;
    if (at == SIZE_MAX) die("no array '%s' in a cache (frames, x)", name);
    *type = !strcmp(name, "x") ? T_F32 : T_U64;
    if (at + TSIZE[*type] > size) die("%s: element beyond the file", name);
    return buf + at;
  }
  for (int b = 0; b < n_blocks; b++)
    if (!strcmp(blocks[b].name, name)) {
      if (i >= blocks[b].count) die("%s: index beyond the block", name);
      *type = blocks[b].type;
      return buf + blocks[b].payload + i * TSIZE[*type];
    }
  die("no block '%s'", name);
  return NULL;
}

static void apply(const char *kind, const char *edit) {
  char lhs[64];
  const char *eq = strchr(edit, '=');
  if (!eq || (size_t)(eq - edit) >= sizeof lhs) die("bad edit '%s'", edit);
  memcpy(lhs, edit, (size_t)(eq - edit));
  lhs[eq - edit] = '\0';
  const char *val = eq + 1;
  char *br = strchr(lhs, '['), *dot = strchr(lhs, '.');
  int type;
  if (br) { /* BLOCK[I] */
    *br = '\0';
    size_t i = strtoull(br + 1, NULL, 10);
    unsigned char *at = element(kind, lhs, i, &type);
    store(at, type, val);
    return;
  }
  if (dot && !strcmp(kind, "checkpoint")) { /* state.epoch, state_f.x */
    *dot = '\0';
    const char *const *names = !strcmp(lhs, "state")     ? STATE
                               : !strcmp(lhs, "state_f") ? STATE_F
                                                         : NULL;
    int i = names ? index_of(names, dot + 1) : -1;
    if (i < 0) die("no checkpoint field '%s'", edit);
    unsigned char *at = element(kind, lhs, (size_t)i, &type);
    store(at, type, val);
    return;
  }
  if (dot && !strcmp(kind, "weights")) { /* quant_a.bits, quant_a.range */
    *dot = '\0';
    int q = index_of(QUANTS, lhs);
    int bits = !strcmp(dot + 1, "bits"), range = !strcmp(dot + 1, "range");
    if (q < 0 || !(bits || range)) die("no quantizer field '%s'", edit);
    store(buf + 48 + 16 * q + (bits ? 0 : 8), bits ? T_I32 : T_F64, val);
    return;
  }
  for (const field *f = header_fields(kind); f->name; f++)
    if (!strcmp(f->name, lhs)) {
      if (f->off + TSIZE[f->type] > size) die("%s: file too short", lhs);
      store(buf + f->off, f->type, val);
      return;
    }
  die("no field '%s'", lhs);
}

/* The feature cache's CRCs (sim/data/cache.c): each file's, when the
 * frames fit the file, then the header's. */
static void fix_cache_crcs(void) {
  uint64_t nf, mels, sum = 0;
  memcpy(&nf, buf + 16, 8);
  memcpy(&mels, buf + 24, 8);
  if (nf > (size - 36) / 12) return; /* no header to fix */
  size_t head = 32 + 12 * (size_t)nf + 4;
  for (size_t i = 0; i < nf && sum <= size; i++) {
    uint64_t f;
    memcpy(&f, buf + 32 + 8 * i, 8);
    sum = f > size ? size + 1 : sum + f;
  }
  if (mels && mels <= 4096 && sum <= size && head + sum * mels * 4 == size)
    for (size_t i = 0, at = head; i < nf; i++) {
      uint64_t f;
      memcpy(&f, buf + 32 + 8 * i, 8);
      uint32_t c = crc(buf + at, (size_t)(f * mels * 4));
      memcpy(buf + 32 + 8 * nf + 4 * i, &c, 4);
      at += (size_t)(f * mels * 4);
    }
  uint32_t c = crc(buf, head - 4);
  memcpy(buf + head - 4, &c, 4);
}

static void list(const char *kind) {
  for (const field *f = header_fields(kind); f->name; f++)
    printf("field %s @%zu\n", f->name, f->off);
  for (int b = 0; b < n_blocks; b++)
    printf("block %s type %d count %zu @%zu\n", blocks[b].name, blocks[b].type,
           blocks[b].count, blocks[b].head);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr,
            "usage: binpatch KIND IN OUT EDIT... | binpatch KIND IN --list\n");
    return 2;
  }
  const char *kind = argv[1];
  header_fields(kind);
  FILE *f = fopen(argv[2], "rb");
  if (!f) die("cannot open %s", argv[2]);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  if (n < 12) die("%s: too short", argv[2]);
  /* room for append=N */
  buf = calloc((size_t)n + (1u << 20), 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) die("cannot read %s", argv[2]);
  fclose(f);
  int cache = !strcmp(kind, "cache"); /* no trailing CRC */
  size = (size_t)n - (cache ? 0 : 4);
  int blockfile = !strcmp(kind, "weights") || !strcmp(kind, "checkpoint");
  if (blockfile) scan_blocks(!strcmp(kind, "weights") ? 160 : 96);
  if (!strcmp(argv[3], "--list")) {
    list(kind);
    return 0;
  }
  int fix = 1;
  size_t trim = 0, append = 0;
  for (int i = 4; i < argc; i++) {
    if (!strcmp(argv[i], "nocrc"))
      fix = 0;
    else if (!strncmp(argv[i], "trim=", 5))
      trim = strtoull(argv[i] + 5, NULL, 10);
    else if (!strncmp(argv[i], "append=", 7))
      append = strtoull(argv[i] + 7, NULL, 10);
    else
      apply(kind, argv[i]);
  }
  if (fix && blockfile)
    for (int b = 0; b < n_blocks; b++) {
      uint32_t c = crc(buf + blocks[b].payload,
                       blocks[b].count * TSIZE[blocks[b].type]);
      memcpy(buf + blocks[b].head + 20, &c, 4);
    }
  uint32_t tail;
  memcpy(&tail, buf + size, 4);
  if (trim > size) die("trim beyond the file (%s)", argv[3]);
  if (append > (1u << 20) - 4) die("append at most 1 MiB (%s)", argv[3]);
  size = size - trim;
  memset(buf + size, 0, append);
  size += append;
  if (fix && cache) fix_cache_crcs();
  if (fix && !cache) tail = crc(buf, size);
  if (!cache) memcpy(buf + size, &tail, 4);
  size_t out = size + (cache ? 0 : 4);
  FILE *o = fopen(argv[3], "wb");
  if (!o || fwrite(buf, 1, out, o) != out || fclose(o))
    die("cannot write %s", argv[3]);
  free(buf);
  return 0;
}
