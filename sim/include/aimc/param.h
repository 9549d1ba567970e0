/* Parameter tables: parameters are data (convention 3 of ARCHITECTURE.md).
 * A model (or a config section) declares one row per parameter; one generic
 * binder (aimc/config.h) fills the struct from YAML, checks type, unit and
 * range, and reports file:line:col. The same rows print `aimc models
 * --describe` and generate docs/models. */
#ifndef AIMC_PARAM_H
#define AIMC_PARAM_H

#include <stddef.h>
#include <stdint.h>

#include "aimc/units.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  AIMC_PT_REAL,   /* double, in SI base units of `unit`                 */
  AIMC_PT_INT,    /* int                                                 */
  AIMC_PT_BOOL,   /* int 0/1 (YAML true/false/yes/no/on/off/1/0)         */
  AIMC_PT_ENUM,   /* int index into `choices` (NULL-terminated list)     */
  AIMC_PT_STRING, /* char[AIMC_PARAM_STRLEN] stored inline in the struct */
  AIMC_PT_TIME,   /* aimc_time (int64 fs); unit must be AIMC_U_SECOND    */
  AIMC_PT_SEED    /* uint64_t, a decimal integer in [0, 2^64) (seed.h);
                     no range of its own: min/max are ignored            */
} aimc_param_type;

#define AIMC_PARAM_STRLEN 256

typedef struct {
  const char *key;       /* YAML key, snake_case                         */
  aimc_param_type type;
  size_t offset;         /* offsetof(struct, field)                      */
  double def;            /* default (REAL/INT/BOOL/ENUM/TIME in seconds) */
  double min, max;       /* inclusive range for REAL/INT/TIME            */
  aimc_unit unit;
  const char *doc;       /* one sentence                                 */
  const char *source;    /* where the default comes from (paper, card)   */
  const char *const *choices; /* ENUM names; NULL-terminated             */
  const char *def_str;   /* STRING default (NULL means "")               */
} aimc_param;

/* Number of rows of a static table. */
#define AIMC_NPARAMS(table) (sizeof(table) / sizeof((table)[0]))

/* Writes every default into `obj`. */
void aimc_params_defaults(const aimc_param *table, size_t n, void *obj);

/* Finds a row by key; NULL if absent. */
const aimc_param *aimc_params_find(const aimc_param *table, size_t n,
                                   const char *key);

/* Parses `text` for row `p` into `obj`: type, unit (SI prefixes allowed)
 * and range are checked. On error writes a message that names the key, the
 * text, the allowed range with its unit, and returns AIMC_EPARSE /
 * AIMC_EUNIT / AIMC_ERANGE. */
int aimc_param_set(const aimc_param *p, void *obj, const char *text,
                   char *err, size_t errlen);

/* Reads a parameter as a double (TIME in seconds, INT/BOOL/ENUM as value);
 * STRING gives NaN. */
double aimc_param_get(const aimc_param *p, const void *obj);

/* Copies the value of row `src` of `src_obj` into row `dst` of `dst_obj`
 * exactly (tables of two structs naming the same quantity). Rows of
 * different types: AIMC_EINVAL, nothing copied. */
int aimc_param_copy(const aimc_param *dst, void *dst_obj, const aimc_param *src,
                    const void *src_obj);

/* 1 when row p holds the same value in a and b. */
int aimc_param_equal(const aimc_param *p, const void *a, const void *b);

/* Formats the current value of a row with its unit into buf. */
char *aimc_param_format(const aimc_param *p, const void *obj, char *buf,
                        size_t len);

/* Checks every REAL/INT/TIME value of `obj` against its range; on the first
 * violation writes a message and returns AIMC_ERANGE. */
int aimc_params_check(const aimc_param *table, size_t n, const void *obj,
                      char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
