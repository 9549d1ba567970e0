/* Help texts as documents: the man pages and the bash completion are
 * rendered from the text each command prints for --help (and the command
 * table), so they cannot drift from it. The help-text layout they rely on:
 * a "usage:" block, then paragraphs; "word:" on its own after a blank line
 * heads a section; "TERM  description" lines (two spaces or more between)
 * are definitions, deeper-indented lines continue them; other indented
 * lines are literal (examples). */
#ifndef AIMC_CLI_HELPDOC_H
#define AIMC_CLI_HELPDOC_H

#include <stdio.h>

/* Writes the man page (groff -man) of command `name` (summary: its one-line
 * description) from its help text; name NULL: the page of aimc itself.
 * `version` goes into the footer; see_also is the groff text of the SEE
 * ALSO section. */
void aimc_helpdoc_man(FILE *out, const char *name, const char *summary,
                      const char *help, const char *version,
                      const char *see_also);

/* Appends to `buf` (size len, NUL-terminated, truncated when full) every
 * option of the help text ("-x", "--name": in the usage block or a
 * definition's term, not in prose or examples), space-separated and
 * without repeats. */
void aimc_helpdoc_options(const char *help, char *buf, size_t len);

/* Appends the subcommands of `name` (lower-case words after "aimc NAME" in
 * the usage block, e.g. "digits stats" for data), as above. */
void aimc_helpdoc_subcommands(const char *name, const char *help, char *buf,
                              size_t len);

/* Writes `text` escaped for groff: backslashes, hyphens (as \-, so options
 * copy as ASCII) and a leading dot or quote. */
void aimc_helpdoc_escape(FILE *out, const char *text, size_t n);

#endif
