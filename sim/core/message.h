/* Internal to sim/core: the units parser and the parameter binder report
 * into caller buffers (they run before any context exists, e.g. for CLI
 * options), through this one helper; and every message recorded on a
 * context passes through aimc_text_sanitize, so text echoed from a file
 * or an argument can never put raw binary on a terminal.
 * Public headers of sim/core: sim/include/aimc/ context.h status.h
 * units.h param.h seed.h quant.h lanes.h fileio.h progress.h vcd.h. */
#ifndef AIMC_CORE_MESSAGE_H
#define AIMC_CORE_MESSAGE_H

#include <stddef.h>

/* Formats into err (if non-NULL and errlen > 0) and returns status. */
int aimc_core_fail(int status, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Copies `in` to out (cap bytes, NUL-terminated, truncated at a character
 * boundary): printable ASCII, tab, newline and valid UTF-8 pass; every
 * other byte (control characters, ESC, DEL, invalid UTF-8) becomes \xNN.
 * Returns the length written. */
size_t aimc_text_sanitize(char *out, size_t cap, const char *in);

#endif
