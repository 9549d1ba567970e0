/* Internal to sim/core: the units parser and the parameter binder report
 * into caller buffers (they run before any context exists, e.g. for CLI
 * options), through this one helper. */
#ifndef AIMC_CORE_MESSAGE_H
#define AIMC_CORE_MESSAGE_H

#include <stddef.h>

/* Formats into err (if non-NULL and errlen > 0) and returns status. */
int aimc_core_fail(int status, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
