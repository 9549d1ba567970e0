/* Block files (see blocks.h): header + named raw blocks, CRC-32 checked
 * per block and over the whole file, so truncation and corruption are
 * caught before any value is used. */
#include "blocks.h"

#include <string.h>
#include <zlib.h>

#include "aimc/fileio.h"
#include "aimc/status.h"

typedef struct {
  char name[BLK_NAME_LEN];
  uint32_t type, crc;
  uint64_t count;
} blk_head;

static size_t elem_size(int type) { return type == BLK_U8 ? 1 : 8; }

size_t blk_size(int type, size_t count) {
  return sizeof(blk_head) + count * elem_size(type);
}

static uint32_t crc_of(uint32_t crc, const void *data, size_t size) {
  /* zlib takes uInt lengths: feed large payloads in pieces. */
  const unsigned char *p = data;
  while (size) {
    uInt n = size > (1u << 30) ? (1u << 30) : (uInt)size;
    crc = (uint32_t)crc32(crc, p, n);
    p += n;
    size -= n;
  }
  return crc;
}

void blk_writer_init(blk_writer *w, FILE *fp) {
  w->fp = fp;
  w->crc = (uint32_t)crc32(0, Z_NULL, 0);
  w->bad = 0;
}

void blk_write_raw(blk_writer *w, const void *data, size_t size) {
  if (!size) return;
  if (fwrite(data, 1, size, w->fp) != size) w->bad = 1;
  w->crc = crc_of(w->crc, data, size);
}

void blk_write(blk_writer *w, const char *name, int type, const void *data,
               size_t count) {
  blk_head h;
  memset(&h, 0, sizeof h);
  strncpy(h.name, name, BLK_NAME_LEN - 1);
  h.type = (uint32_t)type;
  h.count = count;
  h.crc = crc_of((uint32_t)crc32(0, Z_NULL, 0), data, count * elem_size(type));
  blk_write_raw(w, &h, sizeof h);
  blk_write_raw(w, data, count * elem_size(type));
}

int blk_writer_finish(blk_writer *w) {
  uint32_t crc = w->crc;
  if (fwrite(&crc, sizeof crc, 1, w->fp) != 1) w->bad = 1;
  return w->bad;
}

int blk_reader_open(aimc_ctx *ctx, blk_reader *r, const char *path,
                    size_t min_size) {
  memset(r, 0, sizeof *r);
  r->path = path;
  size_t size;
  int st = aimc_read_file(ctx, path, &r->owned, &size);
  if (st) return st;
  if (size < min_size + sizeof(uint32_t)) {
    blk_reader_close(ctx, r);
    return aimc_error(ctx, AIMC_EFORMAT, "%s: truncated (%zu bytes)", path,
                      size);
  }
  r->data = (const unsigned char *)r->owned;
  r->size = size - sizeof(uint32_t);
  uint32_t stored;
  memcpy(&stored, r->data + r->size, sizeof stored);
  if (crc_of((uint32_t)crc32(0, Z_NULL, 0), r->data, r->size) != stored) {
    blk_reader_close(ctx, r);
    return aimc_error(ctx, AIMC_ECHECKSUM,
                      "%s: checksum mismatch (corrupt, truncated, or not an aimc file)",
                      path);
  }
  return AIMC_OK;
}

void blk_reader_close(aimc_ctx *ctx, blk_reader *r) {
  aimc_free(ctx, r->owned);
  r->owned = NULL;
  r->data = NULL;
}

int blk_read_raw(aimc_ctx *ctx, blk_reader *r, void *dst, size_t size) {
  if (r->size - r->pos < size)
    return aimc_error(ctx, AIMC_EFORMAT, "%s: truncated at byte %zu", r->path,
                      r->pos);
  memcpy(dst, r->data + r->pos, size);
  r->pos += size;
  return AIMC_OK;
}

/* The next block's head, which must be called `name` and be of `type`;
 * then its payload, bounds- and CRC-checked, is at r->pos. */
static int read_head(aimc_ctx *ctx, blk_reader *r, const char *name, int type,
                     blk_head *h) {
  int st = blk_read_raw(ctx, r, h, sizeof *h);
  if (st) return st;
  h->name[BLK_NAME_LEN - 1] = '\0';
  if (strcmp(h->name, name) != 0 || h->type != (uint32_t)type)
    return aimc_error(ctx, AIMC_EFORMAT, "%s: expected block '%s', found '%s'",
                      r->path, name, h->name);
  if (h->count > (r->size - r->pos) / elem_size(type))
    return aimc_error(ctx, AIMC_EFORMAT, "%s: block '%s' truncated", r->path,
                      name);
  if (crc_of((uint32_t)crc32(0, Z_NULL, 0), r->data + r->pos,
             h->count * elem_size(type)) != h->crc)
    return aimc_error(ctx, AIMC_ECHECKSUM, "%s: block '%s' checksum mismatch",
                      r->path, name);
  return AIMC_OK;
}

int blk_read(aimc_ctx *ctx, blk_reader *r, const char *name, int type,
             void *dst, size_t count) {
  blk_head h;
  int st = read_head(ctx, r, name, type, &h);
  if (st) return st;
  if (h.count != count)
    return aimc_error(ctx, AIMC_EFORMAT,
                      "%s: block '%s' holds %llu values, the model needs %zu",
                      r->path, name, (unsigned long long)h.count, count);
  size_t bytes = count * elem_size(type);
  if (bytes) memcpy(dst, r->data + r->pos, bytes);
  r->pos += bytes;
  return AIMC_OK;
}

int blk_read_text(aimc_ctx *ctx, blk_reader *r, const char *name, char *dst,
                  size_t cap) {
  blk_head h;
  int st = read_head(ctx, r, name, BLK_U8, &h);
  if (st) return st;
  if (h.count >= cap || memchr(r->data + r->pos, '\0', h.count))
    return aimc_error(ctx, AIMC_EFORMAT,
                      "%s: block '%s' is not a text of at most %zu bytes",
                      r->path, name, cap - 1);
  memcpy(dst, r->data + r->pos, h.count);
  dst[h.count] = '\0';
  r->pos += h.count;
  return AIMC_OK;
}
