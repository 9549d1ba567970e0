/* Physical quantities with SI units. Simulated time is an integer count of
 * femtoseconds (aimc_time), never a double: event order must be exact.
 * Other quantities are doubles in SI base units (S, J, V, A, Ohm, W, Hz). */
#ifndef AIMC_UNITS_H
#define AIMC_UNITS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Simulated time in femtoseconds; int64 covers +-2.5 hours. */
typedef int64_t aimc_time;
#define AIMC_FS ((aimc_time)1)
#define AIMC_PS ((aimc_time)1000)
#define AIMC_NS ((aimc_time)1000000)
#define AIMC_US ((aimc_time)1000000000)
#define AIMC_MS ((aimc_time)1000000000000)
#define AIMC_SEC ((aimc_time)1000000000000000)
#define AIMC_TIME_MAX INT64_MAX

/* The dimension a value must have. AIMC_U_NONE is a plain number. */
typedef enum {
  AIMC_U_NONE = 0,
  AIMC_U_SECOND,
  AIMC_U_SIEMENS,
  AIMC_U_JOULE,
  AIMC_U_VOLT,
  AIMC_U_AMPERE,
  AIMC_U_OHM,
  AIMC_U_WATT,
  AIMC_U_HERTZ,
  AIMC_U_FARAD,
  AIMC_U_METER,
  AIMC_U_KELVIN,
  AIMC_U_COUNT_
} aimc_unit;

/* Symbol ("s", "S", "J", ...; "" for NONE) and name ("time", ...). */
const char *aimc_unit_symbol(aimc_unit u);
const char *aimc_unit_name(aimc_unit u);

/* Parses "15uS", "10 ns", "1.2pJ", "0.8V", "2.5e-3", "100kOhm" into a value
 * in SI base units (correctly rounded from the decimal text). A bare
 * number (or number + prefix) is taken in the expected unit. Numbers are
 * decimals only: hex ("0x10"), "inf" and "nan" are AIMC_EPARSE. Errors
 * (AIMC_EPARSE, AIMC_EUNIT, AIMC_ERANGE) write a message naming the text
 * into err (may be NULL). Values beyond a double, and nonzero values that
 * would underflow to 0, are AIMC_ERANGE. */
int aimc_unit_parse(const char *text, aimc_unit expect, double *value,
                    char *err, size_t errlen);

/* Parses a non-negative time ("10ns", "1.5us") into femtoseconds, rounding
 * to the nearest fs (exact integer arithmetic on the digits); rejects
 * negative times, times beyond AIMC_TIME_MAX and nonzero times that round
 * to 0 fs (e.g. "0.1fs": below the resolution), all AIMC_ERANGE. */
int aimc_time_parse(const char *text, aimc_time *t_fs, char *err,
                    size_t errlen);

/* Reads one decimal number at the start of text ("12", "-1.5e-3", ".5";
 * no sign-less space skipping, no hex, inf or nan) into *value, and sets
 * *end (may be NULL) past it. AIMC_EPARSE if text does not start with
 * one (*end = text), AIMC_ERANGE if it is beyond a double or a nonzero
 * that underflows to 0. For stimulus vectors, tables, expressions. */
int aimc_decimal_parse(const char *text, double *value, const char **end);

/* Seconds <-> femtoseconds. aimc_time_from_s rounds to nearest and clamps
 * to [0, AIMC_TIME_MAX]. */
aimc_time aimc_time_from_s(double t_s);
double aimc_time_to_s(aimc_time t_fs);

/* Formats with an engineering prefix and the unit symbol, e.g. "15uS",
 * "1.2pJ", "0V"; up to 4 significant digits. Returns buf. */
char *aimc_unit_format(double value, aimc_unit u, char *buf, size_t len);
/* Formats a time exactly where possible, e.g. "10ns", "1.5us". */
char *aimc_time_format(aimc_time t_fs, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
