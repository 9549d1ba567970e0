/* Sequential Fashion-MNIST (Xiao, Rasul, Vollgraf 2017) from the gzip IDX
 * files of Debian's dataset-fashion-mnist: row by row (L = 28, 28
 * features) or pixel by pixel (L = 784, 1 feature). IDX: big-endian magic
 * 0x00000803 (images: n, rows, cols, then bytes) or 0x00000801 (labels). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "aimc/status.h"
#include "data_internal.h"

static const char *const FMNIST_CLASSES[] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

/* Reads exactly len bytes or reports a truncated file. */
static int gz_read_all(aimc_ctx *ctx, gzFile gz, const char *path, void *buf,
                       size_t len) {
  unsigned char *p = buf;
  while (len) {
    unsigned chunk = len > (1u << 30) ? (1u << 30) : (unsigned)len;
    int got = gzread(gz, p, chunk);
    if (got <= 0) {
      int zerr = 0;
      const char *msg = gzerror(gz, &zerr);
      return aimc_error(ctx, AIMC_EFORMAT, "%s: truncated or corrupt (%s)",
                        path, zerr ? msg : "unexpected end of file");
    }
    p += got;
    len -= (size_t)got;
  }
  return AIMC_OK;
}

static uint32_t be32(const unsigned char *b) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
         b[3];
}

/* Reads one IDX file into dst (count items of item_bytes) after checking
 * the magic and dimensions; *count is the number of items in the file and
 * dst must hold max_count items. */
static int idx_read(aimc_ctx *ctx, const char *path, uint32_t magic,
                    size_t item_bytes, unsigned char *dst, size_t max_count,
                    size_t *count) {
  gzFile gz = gzopen(path, "rb");
  if (!gz)
    return aimc_error(ctx, AIMC_ENOTFOUND,
                      "%s: cannot open Fashion-MNIST file (install the Debian "
                      "package dataset-fashion-mnist, or set data.dir)",
                      path);
  int ndim = magic == 0x803 ? 3 : 1;
  unsigned char head[16];
  int st = gz_read_all(ctx, gz, path, head, 4 + 4 * (size_t)ndim);
  if (st == AIMC_OK && be32(head) != magic)
    st = aimc_error(ctx, AIMC_EFORMAT,
                    "%s: wrong IDX magic number 0x%08x (expected 0x%08x)", path,
                    be32(head), magic);
  if (st == AIMC_OK) {
    *count = be32(head + 4);
    if (ndim == 3 && (size_t)be32(head + 8) * be32(head + 12) != item_bytes)
      st = aimc_error(ctx, AIMC_EFORMAT, "%s: images are %ux%u, expected 28x28",
                      path, be32(head + 8), be32(head + 12));
    else if (*count > max_count)
      st = aimc_error(ctx, AIMC_EFORMAT, "%s: %zu items, more than %zu", path,
                      *count, max_count);
  }
  if (st == AIMC_OK) st = gz_read_all(ctx, gz, path, dst, *count * item_bytes);
  if (st == AIMC_OK) {
    /* Read to the end: zlib checks the gzip CRC only there, so a corrupt
     * stream would otherwise pass; bytes left over contradict the header. */
    unsigned char extra;
    int got = gzread(gz, &extra, 1), zerr = 0;
    const char *msg = gzerror(gz, &zerr);
    if (got < 0 || (zerr != Z_OK && zerr != Z_BUF_ERROR))
      st = aimc_error(ctx, AIMC_EFORMAT, "%s: truncated or corrupt (%s)", path,
                      msg);
    else if (got > 0)
      st = aimc_error(ctx, AIMC_EFORMAT,
                      "%s: more data than the %zu items its header gives",
                      path, *count);
  }
  gzclose(gz);
  return st;
}

#define FMNIST_PIXELS 784
#define FMNIST_MAX 70000

/* Reads images and labels of one part ("train" or "t10k") at item base. */
static int read_part(aimc_ctx *ctx, const char *dir, const char *part,
                     aimc_dataset *ds, unsigned char *labels, size_t base,
                     size_t *count) {
  char img[AIMC_PARAM_STRLEN + 64], lab[AIMC_PARAM_STRLEN + 64];
  snprintf(img, sizeof img, "%s/%s-images-idx3-ubyte.gz", dir, part);
  snprintf(lab, sizeof lab, "%s/%s-labels-idx1-ubyte.gz", dir, part);
  size_t n_img = 0, n_lab = 0;
  int st = idx_read(ctx, img, 0x803, FMNIST_PIXELS,
                    ds->xb + base * FMNIST_PIXELS, FMNIST_MAX - base, &n_img);
  if (st) return st;
  st = idx_read(ctx, lab, 0x801, 1, labels + base, FMNIST_MAX - base, &n_lab);
  if (st) return st;
  if (n_img != n_lab)
    return aimc_error(ctx, AIMC_EFORMAT, "%s: %zu labels for %zu images in %s",
                      lab, n_lab, n_img, img);
  for (size_t i = 0; i < n_lab; i++)
    if (labels[base + i] > 9)
      return aimc_error(ctx, AIMC_EFORMAT,
                        "%s: label %u of item %zu is not 0-9", lab,
                        labels[base + i], i);
  *count = n_img;
  return AIMC_OK;
}

int aimc_fmnist_load(aimc_ctx *ctx, const aimc_data_spec *spec, const char *dir,
                     aimc_dataset **out) {
  int rows = spec->task == AIMC_TASK_FMNIST_ROWS;
  size_t F = rows ? 28 : 1;
  aimc_dataset *ds = aimc_dataset_new(ctx, FMNIST_MAX, F, 10, FMNIST_CLASSES);
  unsigned char *labels = aimc_malloc(ctx, FMNIST_MAX);
  unsigned char *is_test = aimc_calloc(ctx, FMNIST_MAX, 1);
  int st = AIMC_OK;
  if (!ds || !labels || !is_test ||
      !(ds->xb = aimc_malloc(ctx, (size_t)FMNIST_MAX * FMNIST_PIXELS))) {
    st = ds ? aimc_error(ctx, AIMC_ENOMEM,
                         "data: out of memory for "
                         "Fashion-MNIST")
            : AIMC_ENOMEM;
    goto done;
  }
  size_t n_train = 0, n_test = 0;
  if ((st = read_part(ctx, dir, "train", ds, labels, 0, &n_train))) goto done;
  if ((st = read_part(ctx, dir, "t10k", ds, labels, n_train, &n_test)))
    goto done;
  /* Features are normalised with training statistics: no training image,
   * no data set (an empty folder would otherwise "load" with NaN stats). */
  if (n_train == 0) {
    st = aimc_error(ctx, AIMC_EFORMAT,
                    "%s/train-images-idx3-ubyte.gz: no training images", dir);
    goto done;
  }
  ds->n = n_train + n_test;
  ds->length = FMNIST_PIXELS / F;
  ds->byte_scale = 1.0f / 255.0f;
  /* Names "fmnist-train-123" / "fmnist-test-45", 24 bytes each. */
  if (!(ds->names = aimc_malloc(ctx, ds->n * 24))) {
    st = aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
    goto done;
  }
  for (size_t i = 0; i < ds->n; i++) {
    int test = i >= n_train;
    ds->labels[i] = labels[i];
    ds->offset[i] = i * FMNIST_PIXELS;
    ds->valid[i] = ds->length;
    ds->name_off[i] = i * 24;
    snprintf(ds->names + i * 24, 24, "fmnist-%s-%zu", test ? "test" : "train",
             test ? i - n_train : i);
    is_test[i] = (unsigned char)test;
  }
  st = aimc_dataset_make_splits(ctx, ds, is_test, spec, dir);
  if (st == AIMC_OK) aimc_dataset_normalise(ds, is_test);
done:
  aimc_free(ctx, labels);
  aimc_free(ctx, is_test);
  if (st) {
    aimc_dataset_free(ctx, ds);
    return st;
  }
  *out = ds;
  return AIMC_OK;
}
