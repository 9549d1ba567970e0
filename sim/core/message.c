/* Error text into a caller's buffer (see message.h). */
#include "message.h"

#include <stdarg.h>
#include <stdio.h>

int aimc_core_fail(int status, char *err, size_t errlen, const char *fmt, ...) {
  if (err && errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return status;
}
