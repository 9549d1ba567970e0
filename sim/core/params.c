/* The generic parameter binder: text -> typed struct field, with unit and
 * range checks driven by the aimc_param table rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aimc/param.h"
#include "aimc/seed.h"
#include "aimc/status.h"
#include "message.h"

#define FIELD(obj, p, T) ((T *)((char *)(obj) + (p)->offset))

void aimc_params_defaults(const aimc_param *table, size_t n, void *obj) {
  for (size_t i = 0; i < n; i++) {
    const aimc_param *p = &table[i];
    switch (p->type) {
      case AIMC_PT_REAL:
        *FIELD(obj, p, double) = p->def;
        break;
      case AIMC_PT_INT:
      case AIMC_PT_BOOL:
      case AIMC_PT_ENUM:
        *FIELD(obj, p, int) = (int)p->def;
        break;
      case AIMC_PT_TIME:
        *FIELD(obj, p, aimc_time) = aimc_time_from_s(p->def);
        break;
      case AIMC_PT_SEED:
        *FIELD(obj, p, uint64_t) = (uint64_t)p->def;
        break;
      case AIMC_PT_STRING:
        snprintf(FIELD(obj, p, char), AIMC_PARAM_STRLEN, "%s",
                 p->def_str ? p->def_str : "");
        break;
    }
  }
}

const aimc_param *aimc_params_find(const aimc_param *table, size_t n,
                                   const char *key) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(table[i].key, key) == 0) return &table[i];
  return NULL;
}

static void range_text(const aimc_param *p, char *buf, size_t len) {
  char lo[48], hi[48];
  if (p->type == AIMC_PT_INT) {
    snprintf(buf, len, "[%.0f, %.0f]", p->min, p->max);
    return;
  }
  aimc_unit_format(p->min, p->unit, lo, sizeof lo);
  aimc_unit_format(p->max, p->unit, hi, sizeof hi);
  snprintf(buf, len, "[%s, %s]", lo, hi);
}

static int check_range(const aimc_param *p, double v, const char *text,
                       char *err, size_t errlen) {
  if (v >= p->min && v <= p->max) return AIMC_OK;
  char range[120];
  range_text(p, range, sizeof range);
  return aimc_core_fail(AIMC_ERANGE, err, errlen, "%s = %s is out of range %s",
                        p->key, text, range);
}

static int parse_bool(const char *t, int *out) {
  static const char *const yes[] = {"true", "yes", "on", "1"};
  static const char *const no[] = {"false", "no", "off", "0"};
  for (size_t i = 0; i < 4; i++) {
    if (strcasecmp(t, yes[i]) == 0) return *out = 1, 0;
    if (strcasecmp(t, no[i]) == 0) return *out = 0, 0;
  }
  return -1;
}

int aimc_param_set(const aimc_param *p, void *obj, const char *text, char *err,
                   size_t errlen) {
  char uerr[200];
  switch (p->type) {
    case AIMC_PT_REAL: {
      double v;
      int rc = aimc_unit_parse(text, p->unit, &v, uerr, sizeof uerr);
      if (rc) return aimc_core_fail(rc, err, errlen, "%s: %s", p->key, uerr);
      rc = check_range(p, v, text, err, errlen);
      if (rc) return rc;
      *FIELD(obj, p, double) = v;
      return AIMC_OK;
    }
    case AIMC_PT_TIME: {
      aimc_time t;
      int rc = aimc_time_parse(text, &t, uerr, sizeof uerr);
      if (rc) return aimc_core_fail(rc, err, errlen, "%s: %s", p->key, uerr);
      rc = check_range(p, aimc_time_to_s(t), text, err, errlen);
      if (rc) return rc;
      *FIELD(obj, p, aimc_time) = t;
      return AIMC_OK;
    }
    case AIMC_PT_INT: {
      char *end;
      long v = strtol(text, &end, 10);
      while (*end == ' ') end++;
      if (end == text || *end)
        return aimc_core_fail(AIMC_EPARSE, err, errlen,
                              "%s: '%s' is not an integer", p->key, text);
      int rc = check_range(p, (double)v, text, err, errlen);
      if (rc) return rc;
      *FIELD(obj, p, int) = (int)v;
      return AIMC_OK;
    }
    case AIMC_PT_BOOL: {
      int b;
      if (parse_bool(text, &b))
        return aimc_core_fail(AIMC_EPARSE, err, errlen,
                              "%s: '%s' is not a boolean (true/false)", p->key,
                              text);
      *FIELD(obj, p, int) = b;
      return AIMC_OK;
    }
    case AIMC_PT_ENUM: {
      char list[256] = "";
      for (int i = 0; p->choices && p->choices[i]; i++) {
        if (strcmp(text, p->choices[i]) == 0) {
          *FIELD(obj, p, int) = i;
          return AIMC_OK;
        }
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                 p->choices[i]);
      }
      return aimc_core_fail(AIMC_ERANGE, err, errlen,
                            "%s: '%s' is not one of: %s", p->key, text, list);
    }
    case AIMC_PT_SEED: {
      /* The one seed parser (aimc/seed.h): a double or a long would lose
       * or saturate seeds above 2^53 / 2^63. */
      uint64_t v;
      int rc = aimc_seed_parse(text, &v);
      if (rc)
        return aimc_core_fail(rc, err, errlen,
                              "%s takes " AIMC_SEED_RANGE ", not '%s' (%s)",
                              p->key, text, aimc_seed_rule(rc));
      *FIELD(obj, p, uint64_t) = v;
      return AIMC_OK;
    }
    case AIMC_PT_STRING:
      if (strlen(text) >= AIMC_PARAM_STRLEN)
        return aimc_core_fail(AIMC_ERANGE, err, errlen,
                              "%s: text longer than %d characters", p->key,
                              AIMC_PARAM_STRLEN - 1);
      snprintf(FIELD(obj, p, char), AIMC_PARAM_STRLEN, "%s", text);
      return AIMC_OK;
  }
  return aimc_core_fail(AIMC_EINVAL, err, errlen, "%s: unknown parameter type",
                        p->key);
}

double aimc_param_get(const aimc_param *p, const void *obj) {
  void *o = (void *)obj;
  switch (p->type) {
    case AIMC_PT_REAL:
      return *FIELD(o, p, double);
    case AIMC_PT_TIME:
      return aimc_time_to_s(*FIELD(o, p, aimc_time));
    case AIMC_PT_INT:
    case AIMC_PT_BOOL:
    case AIMC_PT_ENUM:
      return *FIELD(o, p, int);
    case AIMC_PT_SEED: /* rounded above 2^53: for display only */
      return (double)*FIELD(o, p, uint64_t);
    case AIMC_PT_STRING:
      return NAN;
  }
  return NAN;
}

static size_t field_size(const aimc_param *p) {
  switch (p->type) {
    case AIMC_PT_REAL:
      return sizeof(double);
    case AIMC_PT_TIME:
      return sizeof(aimc_time);
    case AIMC_PT_SEED:
      return sizeof(uint64_t);
    case AIMC_PT_STRING:
      return AIMC_PARAM_STRLEN;
    default:
      return sizeof(int);
  }
}

int aimc_param_copy(const aimc_param *dst, void *dst_obj, const aimc_param *src,
                    const void *src_obj) {
  if (dst->type != src->type) return AIMC_EINVAL;
  memcpy((char *)dst_obj + dst->offset, (const char *)src_obj + src->offset,
         field_size(dst));
  return AIMC_OK;
}

int aimc_param_equal(const aimc_param *p, const void *a, const void *b) {
  if (p->type == AIMC_PT_STRING)
    return strncmp((const char *)a + p->offset, (const char *)b + p->offset,
                   AIMC_PARAM_STRLEN) == 0;
  return memcmp((const char *)a + p->offset, (const char *)b + p->offset,
                field_size(p)) == 0;
}

char *aimc_param_format(const aimc_param *p, const void *obj, char *buf,
                        size_t len) {
  void *o = (void *)obj;
  switch (p->type) {
    case AIMC_PT_REAL:
      return aimc_unit_format(*FIELD(o, p, double), p->unit, buf, len);
    case AIMC_PT_TIME:
      return aimc_time_format(*FIELD(o, p, aimc_time), buf, len);
    case AIMC_PT_INT:
      snprintf(buf, len, "%d", *FIELD(o, p, int));
      break;
    case AIMC_PT_BOOL:
      snprintf(buf, len, "%s", *FIELD(o, p, int) ? "true" : "false");
      break;
    case AIMC_PT_ENUM: {
      int i = *FIELD(o, p, int);
      snprintf(buf, len, "%s", p->choices ? p->choices[i] : "?");
      break;
    }
    case AIMC_PT_SEED:
      aimc_seed_format(*FIELD(o, p, uint64_t), buf, len);
      break;
    case AIMC_PT_STRING:
      snprintf(buf, len, "%s", FIELD(o, p, char));
      break;
  }
  return buf;
}

int aimc_params_check(const aimc_param *table, size_t n, const void *obj,
                      char *err, size_t errlen) {
  for (size_t i = 0; i < n; i++) {
    const aimc_param *p = &table[i];
    if (p->type != AIMC_PT_REAL && p->type != AIMC_PT_INT &&
        p->type != AIMC_PT_TIME)
      continue;
    double v = aimc_param_get(p, obj);
    char text[64];
    aimc_param_format(p, obj, text, sizeof text);
    if (!(v >= p->min && v <= p->max))
      return check_range(p, v, text, err, errlen);
  }
  return AIMC_OK;
}
