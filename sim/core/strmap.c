/* String -> int index (see strmap.h): FNV-1a hashes, linear probing. */
#include "strmap.h"

#include <stdint.h>
#include <string.h>

#include "aimc/status.h"

static size_t hash_of(const char *key, size_t len) {
  size_t h = (size_t)aimc_fnv1a(AIMC_FNV_BASIS, key, len);
  /* FNV's low bits depend only on the bytes' low bits; the table is
   * indexed by low bits: mix the high ones down (murmur3's finalizer). */
  uint64_t x = (uint64_t)h;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (size_t)x;
}

void aimc_strmap_fini(aimc_ctx *ctx, aimc_strmap *m) {
  aimc_free(ctx, m->slot);
  m->slot = NULL;
  m->n = m->cap = 0;
}

/* The slot holding key, or the empty slot where it would go. */
static aimc_strmap_slot *find(aimc_strmap *m, const char *key, size_t len, size_t h) {
  for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    aimc_strmap_slot *s = &m->slot[i];
    if (!s->key) return s;
    m->probes++;
    if (s->hash == h && s->len == len && !memcmp(s->key, key, len)) return s;
  }
}

int aimc_strmap_get(aimc_strmap *m, const char *key, size_t len) {
  if (!m->cap) return -1;
  const aimc_strmap_slot *s = find(m, key, len, hash_of(key, len));
  return s->key ? s->value : -1;
}

static int grow(aimc_ctx *ctx, aimc_strmap *m) {
  size_t cap = m->cap ? 2 * m->cap : 16;
  aimc_strmap_slot *old = m->slot, *slot = aimc_calloc(ctx, cap, sizeof *slot);
  if (!slot) return aimc_error(ctx, AIMC_ENOMEM, "out of memory indexing names");
  size_t old_cap = m->cap;
  m->slot = slot;
  m->cap = cap;
  for (size_t i = 0; i < old_cap; i++)
    if (old[i].key) *find(m, old[i].key, old[i].len, old[i].hash) = old[i];
  aimc_free(ctx, old);
  return AIMC_OK;
}

int aimc_strmap_put(aimc_ctx *ctx, aimc_strmap *m, const char *key, size_t len,
                    int value, int *old) {
  if (old) *old = -1;
  if (2 * (m->n + 1) > m->cap) {
    int rc = grow(ctx, m);
    if (rc) return rc;
  }
  size_t h = hash_of(key, len);
  aimc_strmap_slot *s = find(m, key, len, h);
  if (s->key) {
    if (old) *old = s->value;
    return AIMC_OK;
  }
  *s = (aimc_strmap_slot){key, len, h, value};
  m->n++;
  return AIMC_OK;
}
