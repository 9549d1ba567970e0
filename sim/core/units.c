/* SI-unit parsing and printing ("15uS", "10ns", "1.2pJ"). Time is parsed in
 * long double so that femtosecond counts up to 2^63 are exact. */
#include "aimc/units.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/status.h"
#include "message.h"

typedef struct {
  const char *symbol;
  const char *alias; /* second accepted spelling, or NULL */
  const char *name;
} unit_info;

static const unit_info UNITS[AIMC_U_COUNT_] = {
    [AIMC_U_NONE] = {"", NULL, "number"},
    [AIMC_U_SECOND] = {"s", "sec", "time"},
    [AIMC_U_SIEMENS] = {"S", NULL, "conductance"},
    [AIMC_U_JOULE] = {"J", NULL, "energy"},
    [AIMC_U_VOLT] = {"V", NULL, "voltage"},
    [AIMC_U_AMPERE] = {"A", NULL, "current"},
    [AIMC_U_OHM] = {"Ohm", "ohm", "resistance"},
    [AIMC_U_WATT] = {"W", NULL, "power"},
    [AIMC_U_HERTZ] = {"Hz", NULL, "frequency"},
    [AIMC_U_FARAD] = {"F", NULL, "capacitance"},
    [AIMC_U_METER] = {"m", NULL, "length"},
    [AIMC_U_KELVIN] = {"K", NULL, "temperature"},
};

typedef struct {
  const char *text;
  int exp10;
} prefix_info;

static const prefix_info PREFIXES[] = {
    {"f", -15},       {"p", -12},       {"n", -9}, {"u", -6},
    {"\xC2\xB5", -6}, {"\xCE\xBC", -6}, {"m", -3}, {"k", 3},
    {"M", 6},         {"G", 9},         {"T", 12},
};
#define N_PREFIXES (sizeof PREFIXES / sizeof PREFIXES[0])

const char *aimc_unit_symbol(aimc_unit u) {
  return (u >= 0 && u < AIMC_U_COUNT_) ? UNITS[u].symbol : "?";
}
const char *aimc_unit_name(aimc_unit u) {
  return (u >= 0 && u < AIMC_U_COUNT_) ? UNITS[u].name : "?";
}

static int unit_matches(aimc_unit u, const char *s) {
  if (u == AIMC_U_NONE) return *s == '\0';
  return strcmp(s, UNITS[u].symbol) == 0 ||
         (UNITS[u].alias && strcmp(s, UNITS[u].alias) == 0) ||
         (u == AIMC_U_OHM && strcmp(s, "\xCE\xA9") == 0);
}

/* Splits a suffix into (prefix, unit): whole-symbol match first so that "m"
 * alone is a metre only when a length is expected. Returns 0 if found. */
static int split_suffix(const char *suffix, aimc_unit expect, int *exp10,
                        aimc_unit *unit) {
  if (*suffix == '\0' || unit_matches(expect, suffix)) {
    *exp10 = 0;
    *unit = expect;
    return 0;
  }
  for (size_t i = 0; i < N_PREFIXES; i++) {
    size_t n = strlen(PREFIXES[i].text);
    if (strncmp(suffix, PREFIXES[i].text, n) != 0) continue;
    const char *rest = suffix + n;
    /* A prefix alone (SPICE style, "10n") means the expected unit. */
    if (*rest == '\0' || unit_matches(expect, rest)) {
      *exp10 = PREFIXES[i].exp10;
      *unit = expect;
      return 0;
    }
  }
  /* Not the expected unit: identify it for the error message. */
  for (int u = 1; u < AIMC_U_COUNT_; u++) {
    if (unit_matches((aimc_unit)u, suffix)) {
      *unit = (aimc_unit)u;
      return -1;
    }
    for (size_t i = 0; i < N_PREFIXES; i++) {
      size_t n = strlen(PREFIXES[i].text);
      if (strncmp(suffix, PREFIXES[i].text, n) == 0 &&
          unit_matches((aimc_unit)u, suffix + n)) {
        *unit = (aimc_unit)u;
        return -1;
      }
    }
  }
  *unit = AIMC_U_COUNT_;
  return -1;
}

static int parse_ld(const char *text, aimc_unit expect, long double *value,
                    char *err, size_t errlen) {
  if (!text) return aimc_core_fail(AIMC_EPARSE, err, errlen, "missing value");
  const char *p = text;
  while (*p == ' ' || *p == '\t') p++;
  /* strtold accepts "inf", "nan" and hex floats; we take decimals only. */
  if (!(*p == '-' || *p == '+' || *p == '.' || (*p >= '0' && *p <= '9')))
    return aimc_core_fail(AIMC_EPARSE, err, errlen, "'%s' is not a number",
                          text);
  char *end;
  errno = 0;
  long double v = strtold(p, &end);
  if (end == p)
    return aimc_core_fail(AIMC_EPARSE, err, errlen, "'%s' is not a number",
                          text);
  if (errno == ERANGE || !isfinite(v) || fabsl(v) > (long double)DBL_MAX)
    return aimc_core_fail(AIMC_ERANGE, err, errlen,
                          "'%s' is out of the range of a number", text);
  while (*end == ' ' || *end == '\t') end++;
  char suffix[32];
  size_t n = strlen(end);
  while (n > 0 &&
         (end[n - 1] == ' ' || end[n - 1] == '\t' || end[n - 1] == '\n'))
    n--;
  if (n >= sizeof suffix)
    return aimc_core_fail(AIMC_EUNIT, err, errlen, "unknown unit in '%s'",
                          text);
  memcpy(suffix, end, n);
  suffix[n] = '\0';
  int exp10 = 0;
  aimc_unit found;
  if (split_suffix(suffix, expect, &exp10, &found) != 0) {
    if (found == AIMC_U_COUNT_)
      return aimc_core_fail(AIMC_EUNIT, err, errlen,
                            "unknown unit '%s' in '%s' (expected a %s%s%s)",
                            suffix, text, UNITS[expect].name,
                            expect ? " in " : "", UNITS[expect].symbol);
    return aimc_core_fail(AIMC_EUNIT, err, errlen,
                          "unit mismatch: '%s' is a %s (%s), expected a %s%s%s",
                          text, UNITS[found].name, UNITS[found].symbol,
                          UNITS[expect].name, expect ? " in " : "",
                          UNITS[expect].symbol);
  }
  v *= powl(10.0L, exp10);
  if (!isfinite(v) || fabsl(v) > (long double)DBL_MAX)
    return aimc_core_fail(AIMC_ERANGE, err, errlen,
                          "'%s' is out of the range of a number", text);
  *value = v;
  return AIMC_OK;
}

int aimc_unit_parse(const char *text, aimc_unit expect, double *value,
                    char *err, size_t errlen) {
  long double v;
  int rc = parse_ld(text, expect, &v, err, errlen);
  if (rc == AIMC_OK) *value = (double)v;
  return rc;
}

int aimc_time_parse(const char *text, aimc_time *t_fs, char *err,
                    size_t errlen) {
  long double v;
  int rc = parse_ld(text, AIMC_U_SECOND, &v, err, errlen);
  if (rc != AIMC_OK) return rc;
  if (v < 0)
    return aimc_core_fail(AIMC_ERANGE, err, errlen, "negative time '%s'", text);
  long double fs = v * 1e15L;
  if (fs >= 9.2233720368547758e18L)
    return aimc_core_fail(
        AIMC_ERANGE, err, errlen,
        "time '%s' is beyond the 2.5 h the kernel can count in fs", text);
  *t_fs = (aimc_time)llroundl(fs);
  return AIMC_OK;
}

aimc_time aimc_time_from_s(double t_s) {
  if (!(t_s > 0)) return 0;
  double fs = t_s * 1e15;
  if (fs >= 9.2233720368547758e18) return AIMC_TIME_MAX;
  return (aimc_time)llround(fs);
}

double aimc_time_to_s(aimc_time t_fs) { return (double)t_fs * 1e-15; }

char *aimc_unit_format(double value, aimc_unit u, char *buf, size_t len) {
  const char *sym = aimc_unit_symbol(u);
  if (value == 0 || !isfinite(value) || u == AIMC_U_NONE) {
    snprintf(buf, len, "%.6g%s", value, sym);
    return buf;
  }
  int e3 = (int)floor(log10(fabs(value)) / 3.0) * 3;
  if (e3 < -15) e3 = -15;
  if (e3 > 12) e3 = 12;
  const char *pre = "";
  for (size_t i = 0; i < N_PREFIXES; i++)
    if (PREFIXES[i].exp10 == e3 && PREFIXES[i].text[0] != '\xC2' &&
        PREFIXES[i].text[0] != '\xCE')
      pre = PREFIXES[i].text;
  snprintf(buf, len, "%.4g%s%s", value / pow(10.0, e3), pre, sym);
  return buf;
}

char *aimc_time_format(aimc_time t, char *buf, size_t len) {
  /* digits: decimal places of one unit expressed in fs. */
  static const struct {
    aimc_time unit;
    const char *sym;
    int digits;
  } T[] = {{AIMC_SEC, "s", 15}, {AIMC_MS, "ms", 12}, {AIMC_US, "us", 9},
           {AIMC_NS, "ns", 6},  {AIMC_PS, "ps", 3},  {AIMC_FS, "fs", 0}};
  const char *sign = t < 0 ? "-" : "";
  uint64_t a = t < 0 ? (uint64_t)(-(t + 1)) + 1 : (uint64_t)t;
  size_t i = 0;
  while (i + 1 < sizeof T / sizeof T[0] && a < (uint64_t)T[i].unit) i++;
  uint64_t u = (uint64_t)T[i].unit, whole = a / u, frac = a % u;
  if (frac == 0) {
    snprintf(buf, len, "%s%" PRIu64 "%s", sign, whole, T[i].sym);
    return buf;
  }
  /* Exact decimal fraction with trailing zeros trimmed. */
  int digits = T[i].digits;
  char f[24];
  snprintf(f, sizeof f, "%0*" PRIu64, digits, frac);
  for (int k = digits - 1; k > 0 && f[k] == '0'; k--) f[k] = '\0';
  snprintf(buf, len, "%s%" PRIu64 ".%s%s", sign, whole, f, T[i].sym);
  return buf;
}
