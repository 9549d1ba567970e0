/* Error text into a caller's buffer, and the one rule for echoing user
 * text in messages (see message.h). */
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

/* Length of the valid UTF-8 sequence at s (2..4), or 0. */
static size_t utf8_len(const unsigned char *s) {
  unsigned char c = s[0];
  size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (!n) return 0;
  /* Second-byte limits exclude overlong forms, surrogates and > U+10FFFF. */
  unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
  unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
  if (s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < n; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  return n;
}

size_t aimc_text_sanitize(char *out, size_t cap, const char *in) {
  if (!cap) return 0;
  size_t n = 0;
  const unsigned char *p = (const unsigned char *)in;
  while (*p) {
    char esc[8];
    const char *piece = esc;
    size_t len;
    if (*p == '\n' || *p == '\t' || (*p >= 0x20 && *p < 0x7F)) {
      piece = (const char *)p, len = 1;
    } else if (*p >= 0x80 && (len = utf8_len(p)) > 0) {
      piece = (const char *)p;
    } else {
      len = (size_t)snprintf(esc, sizeof esc, "\\x%02X", *p);
      p++;
      if (n + len >= cap) break;
      for (size_t i = 0; i < len; i++) out[n++] = piece[i];
      continue;
    }
    if (n + len >= cap) break; /* never cut a character in half */
    for (size_t i = 0; i < len; i++) out[n++] = piece[i];
    p += len;
  }
  out[n] = '\0';
  return n;
}
