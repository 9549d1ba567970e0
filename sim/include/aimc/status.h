/* Status codes: every aimc function that can fail returns an int status,
 * 0 (AIMC_OK) on success. The list lives in status.def. */
#ifndef AIMC_STATUS_H
#define AIMC_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

enum aimc_status {
#define X(name, value, exit_code, message) name = value,
#include "aimc/status.def"
#undef X
};

/* A short English message for a status code; never NULL. */
const char *aimc_strerror(int status);

/* The process exit code the CLI uses for a status: 0 ok, 1 failure,
 * 2 usage or configuration error. */
int aimc_status_exit_code(int status);

#ifdef __cplusplus
}
#endif
#endif
