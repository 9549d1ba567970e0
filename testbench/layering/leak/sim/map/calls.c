/* A planted violation for layering_symbols_catches: a call into the
 * trainer with a declaration of its own instead of the trainer's header. */
#include <stddef.h>

size_t s4d_ssm_xs_len(int H, int T, int M);
size_t layering_leak(void);
size_t layering_leak(void) { return s4d_ssm_xs_len(1, 1, 1); }
