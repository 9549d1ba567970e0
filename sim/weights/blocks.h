/* Block files: a small header followed by named raw blocks, each with its
 * own CRC-32, and a CRC-32 of the whole file at the end. Used for exported
 * weights, the trainer's checkpoints and the device inverse's network file
 * (docs/weights-format.md). A header of the sim/weights area, not public
 * (the area's public header is aimc/s4d_model.h); other areas include it
 * as "sim/weights/blocks.h". Values are written in host byte order
 * (little-endian on every machine we build for); the header carries a
 * byte-order mark. */
#ifndef AIMC_WEIGHTS_BLOCKS_H
#define AIMC_WEIGHTS_BLOCKS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aimc/context.h"

#define BLK_NAME_LEN 16
enum { BLK_F64 = 0, BLK_U8 = 1, BLK_I64 = 2 };

/* Writer: wraps a stream, keeps the running CRC of everything written. */
typedef struct {
  FILE *fp;
  uint32_t crc;
  int bad;
} blk_writer;

void blk_writer_init(blk_writer *w, FILE *fp);
/* Raw bytes (the header). */
void blk_write_raw(blk_writer *w, const void *data, size_t size);
/* One block: name, type, element count, payload CRC, payload. */
void blk_write(blk_writer *w, const char *name, int type, const void *data,
               size_t count);
/* Bytes a block of `count` elements of `type` takes (head + payload), so
 * a reader can check a header's shape against the file's length before it
 * allocates anything. */
size_t blk_size(int type, size_t count);
/* Appends the whole-file CRC; returns nonzero if any write failed. */
int blk_writer_finish(blk_writer *w);

/* Reader over a whole file in memory. Opening checks the trailing CRC. */
typedef struct {
  const char *path;
  const unsigned char *data;
  size_t size, pos;
  char *owned;
} blk_reader;

/* Reads `path`, checks its size against min_size and the whole-file CRC
 * (AIMC_EFORMAT / AIMC_ECHECKSUM naming the file). */
int blk_reader_open(aimc_ctx *ctx, blk_reader *r, const char *path,
                    size_t min_size);
void blk_reader_close(aimc_ctx *ctx, blk_reader *r);
int blk_read_raw(aimc_ctx *ctx, blk_reader *r, void *dst, size_t size);
/* Reads the next block, which must be called `name`, of `type` and hold
 * exactly `count` elements; copies it to dst. */
int blk_read(aimc_ctx *ctx, blk_reader *r, const char *name, int type,
             void *dst, size_t count);
/* Reads the next block, which must be a uint8 block called `name` holding
 * a text of fewer than `cap` bytes without NULs; copies it to dst with a
 * terminating NUL. A text block is written with blk_write(BLK_U8, text,
 * strlen(text)). */
int blk_read_text(aimc_ctx *ctx, blk_reader *r, const char *name, char *dst,
                  size_t cap);

#endif
