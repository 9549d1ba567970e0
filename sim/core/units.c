/* SI-unit parsing and printing ("15uS", "10ns", "1.2pJ"). Numbers are
 * decimals only (no hex, inf or nan); times are exact integer counts of
 * femtoseconds up to 2^63, computed from the text's digits. */
#include "aimc/units.h"

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

/* A decimal number as digits x 10^exp: the text's own digits, so values
 * are exact until the final conversion (correctly rounded by strtod, or
 * exact integer arithmetic for femtoseconds) and do not depend on the
 * width of long double (80 bits on x86, 64 under valgrind). */
typedef struct {
  char digits[48]; /* significant digits, no leading zeros ("" for 0)  */
  int sticky;      /* nonzero digits dropped beyond the 40 kept         */
  long exp10;      /* value = digits x 10^exp10                          */
  int neg;
} decimal;

#define KEEP_DIGITS 40

/* Scans [+-]?(d+(.d*)?|.d+)([eE][+-]?d+)? at p. Returns the characters
 * read, 0 if p does not start a decimal (hex, inf and nan never do). */
static size_t scan_decimal(const char *p, decimal *d) {
  const char *s = p;
  size_t n = 0;
  int any = 0;
  memset(d, 0, sizeof *d);
  if (*s == '+' || *s == '-') d->neg = *s++ == '-';
  for (int frac = 0;; s++) {
    if (*s == '.' && !frac) {
      frac = 1;
      continue;
    }
    if (*s < '0' || *s > '9') break;
    any = 1;
    if (frac) d->exp10--;
    if (*s == '0' && n == 0) continue;
    if (n < KEEP_DIGITS) {
      d->digits[n++] = *s;
    } else {
      d->exp10++; /* not appended: undo the digit's place */
      d->sticky |= *s != '0';
    }
  }
  if (!any) return 0;
  d->digits[n] = '\0';
  if ((*s == 'e' || *s == 'E') &&
      ((s[1] >= '0' && s[1] <= '9') ||
       ((s[1] == '+' || s[1] == '-') && s[2] >= '0' && s[2] <= '9'))) {
    s++;
    int eneg = *s == '-';
    if (*s == '+' || *s == '-') s++;
    long e = 0;
    for (; *s >= '0' && *s <= '9'; s++)
      if (e < 100000) e = 10 * e + (*s - '0');
    d->exp10 += eneg ? -e : e;
  }
  return (size_t)(s - p);
}

/* digits x 10^(exp10 + shift) as the nearest double (0 on underflow). */
static double decimal_value(const decimal *d, long shift) {
  if (!d->digits[0]) return d->neg ? -0.0 : 0.0;
  char text[96];
  snprintf(text, sizeof text, "%s%s%se%ld", d->neg ? "-" : "", d->digits, d->sticky ? "1" : "",
           d->exp10 + shift - (d->sticky ? 1 : 0));
  return strtod(text, NULL);
}

int aimc_decimal_parse(const char *text, double *value, const char **end) {
  decimal d;
  size_t n = text ? scan_decimal(text, &d) : 0;
  if (end) *end = text ? text + n : text;
  if (!n) return AIMC_EPARSE;
  double v = decimal_value(&d, 0);
  if (!isfinite(v) || (v == 0 && d.digits[0])) return AIMC_ERANGE;
  *value = v;
  return AIMC_OK;
}

/* Parses text into a decimal and its unit prefix (exp10 of the prefix). */
static int parse_quantity(const char *text, aimc_unit expect, decimal *d, int *prefix,
                          char *err, size_t errlen) {
  if (!text) return aimc_core_fail(AIMC_EPARSE, err, errlen, "missing value");
  const char *p = text;
  while (*p == ' ' || *p == '\t') p++;
  size_t n = scan_decimal(p, d);
  if (!n)
    return aimc_core_fail(AIMC_EPARSE, err, errlen, "'%s' is not a number", text);
  const char *end = p + n;
  if ((end[0] == 'x' || end[0] == 'X') && n == 1 + (size_t)(p[0] == '+' || p[0] == '-') &&
      end[-1] == '0')
    return aimc_core_fail(AIMC_EPARSE, err, errlen,
                          "'%s': hexadecimal numbers are not accepted, write a decimal", text);
  while (*end == ' ' || *end == '\t') end++;
  char suffix[32];
  n = strlen(end);
  while (n > 0 &&
         (end[n - 1] == ' ' || end[n - 1] == '\t' || end[n - 1] == '\n'))
    n--;
  if (n >= sizeof suffix)
    return aimc_core_fail(AIMC_EUNIT, err, errlen, "unknown unit in '%s'",
                          text);
  memcpy(suffix, end, n);
  suffix[n] = '\0';
  aimc_unit found;
  if (split_suffix(suffix, expect, prefix, &found) != 0) {
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
  return AIMC_OK;
}

int aimc_unit_parse(const char *text, aimc_unit expect, double *value,
                    char *err, size_t errlen) {
  decimal d;
  int prefix = 0;
  int rc = parse_quantity(text, expect, &d, &prefix, err, errlen);
  if (rc) return rc;
  double v = decimal_value(&d, prefix);
  if (!isfinite(v))
    return aimc_core_fail(AIMC_ERANGE, err, errlen,
                          "'%s' is out of the range of a number", text);
  if (v == 0 && d.digits[0])
    return aimc_core_fail(AIMC_ERANGE, err, errlen,
                          "'%s' is too small for a number (it would be 0)", text);
  *value = v;
  return AIMC_OK;
}

int aimc_time_parse(const char *text, aimc_time *t_fs, char *err,
                    size_t errlen) {
  decimal d;
  int prefix = 0;
  int rc = parse_quantity(text, AIMC_U_SECOND, &d, &prefix, err, errlen);
  if (rc != AIMC_OK) return rc;
  if (d.neg && d.digits[0])
    return aimc_core_fail(AIMC_ERANGE, err, errlen, "negative time '%s'", text);
  /* fs = digits x 10^e, exactly, rounded half up (as llround did). */
  long e = d.exp10 + prefix + 15;
  uint64_t fs = 0;
  size_t nd = strlen(d.digits);
  int over = 0;
  if (e >= 0) {
    for (size_t i = 0; i < nd && !over; i++) {
      over = fs > (UINT64_MAX - 9) / 10;
      fs = 10 * fs + (uint64_t)(d.digits[i] - '0');
    }
    for (long k = 0; k < e && fs && !over; k++) {
      over = fs > UINT64_MAX / 10;
      fs *= 10;
    }
  } else if ((long)nd + e >= 0) {
    /* Integer part: the first nd + e digits; the next one rounds. */
    size_t whole = (size_t)((long)nd + e);
    for (size_t i = 0; i < whole && !over; i++) {
      over = fs > (UINT64_MAX - 9) / 10;
      fs = 10 * fs + (uint64_t)(d.digits[i] - '0');
    }
    if (!over && whole < nd && d.digits[whole] >= '5') fs++;
  }
  if (over || fs > (uint64_t)AIMC_TIME_MAX)
    return aimc_core_fail(
        AIMC_ERANGE, err, errlen,
        "time '%s' is beyond the 2.5 h the kernel can count in fs", text);
  if (fs == 0 && d.digits[0])
    return aimc_core_fail(AIMC_ERANGE, err, errlen,
                          "time '%s' is below the 1 fs resolution (it would round to 0)",
                          text);
  *t_fs = (aimc_time)fs;
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
