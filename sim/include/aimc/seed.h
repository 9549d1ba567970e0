/* Seeds as text: one parser for --seed and every config seed, and one
 * formatter for the JSON writers (a seed is stored as a decimal string,
 * since a JSON number is a double and loses seeds above 2^53). */
#ifndef AIMC_SEED_H
#define AIMC_SEED_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parses a decimal integer in [0, 2^64): digits only (no sign, no spaces,
 * no hex, not empty). AIMC_OK, AIMC_EPARSE (not a decimal integer) or
 * AIMC_ERANGE (2^64 or more); *seed is set only on success. */
int aimc_seed_parse(const char *text, uint64_t *seed);

/* What was wrong with a refused seed, for messages of the form
 * "X takes a decimal integer in [0, 2^64), not 'TEXT' (REASON)". */
#define AIMC_SEED_RANGE "a decimal integer in [0, 2^64)"
const char *aimc_seed_rule(int status);

/* Decimal text of a seed; buf needs 21 bytes. Returns buf. */
char *aimc_seed_format(uint64_t seed, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
