/* Messages and exit codes for the status list in status.def. */
#include "aimc/status.h"

const char *aimc_strerror(int status) {
  switch (status) {
#define X(name, value, exit_code, message) \
  case value:                              \
    return message;
#include "aimc/status.def"
#undef X
    default:
      return "unknown status";
  }
}

int aimc_status_exit_code(int status) {
  switch (status) {
#define X(name, value, exit_code, message) \
  case value:                              \
    return exit_code;
#include "aimc/status.def"
#undef X
    default:
      return 1;
  }
}
