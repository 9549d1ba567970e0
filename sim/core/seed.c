/* Seeds as text (aimc/seed.h): strtoull would accept "-1", " 7", "0x10" and
 * saturate on overflow, so digits are read by hand. */
#include "aimc/seed.h"

#include <inttypes.h>
#include <stdio.h>

#include "aimc/status.h"

int aimc_seed_parse(const char *text, uint64_t *seed) {
  if (!text || !*text) return AIMC_EPARSE;
  uint64_t v = 0;
  for (const char *p = text; *p; p++) {
    if (*p < '0' || *p > '9') return AIMC_EPARSE;
    unsigned d = (unsigned)(*p - '0');
    if (v > (UINT64_MAX - d) / 10) return AIMC_ERANGE;
    v = v * 10 + d;
  }
  *seed = v;
  return AIMC_OK;
}

const char *aimc_seed_rule(int status) {
  return status == AIMC_ERANGE ? "2^64 or more" : "not a decimal integer";
}

char *aimc_seed_format(uint64_t seed, char *buf, size_t len) {
  snprintf(buf, len, "%" PRIu64, seed);
  return buf;
}
