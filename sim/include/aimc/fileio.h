/* Files that are never half-written: results go to a temporary file in the
 * same directory and are renamed over the target only on commit, so an
 * interrupted run or a bad input never destroys earlier results. Outputs of
 * several files are one unit: they are written into a temporary folder that
 * is published with one rename (aimc_outdir_*). Outputs that exist and are
 * not regular files (folders for aimc_outdir_*) are refused: a rename would
 * replace a device node, a FIFO or a symlink. Temporaries a killed writer
 * left ("<target>.tmp.<pid>" of a dead pid) are removed by the next writer.
 * Test hook: AIMC_TEST_KILL_AT=rename:N makes the process SIGKILL itself
 * just before its N-th publishing rename (the crash-safety test). */
#ifndef AIMC_FILEIO_H
#define AIMC_FILEIO_H

#include <stddef.h>
#include <stdio.h>

#include "aimc/context.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aimc_atomic_file aimc_atomic_file;

/* Opens "<path>.tmp.<pid>" for writing ("wb"). Errors name the path; an
 * existing target that is not a regular file is refused (AIMC_EINVAL). */
int aimc_atomic_open(aimc_ctx *ctx, const char *path, aimc_atomic_file **out);
FILE *aimc_atomic_stream(aimc_atomic_file *f);
/* Flushes, fsyncs and renames over the target; frees f in every case. */
int aimc_atomic_commit(aimc_ctx *ctx, aimc_atomic_file *f);
/* Removes the temporary file; frees f. NULL is a no-op. */
void aimc_atomic_abort(aimc_ctx *ctx, aimc_atomic_file *f);

/* Writes a whole buffer atomically. */
int aimc_write_file_atomic(aimc_ctx *ctx, const char *path, const void *data,
                           size_t size);
/* Reads a whole file into a NUL-terminated buffer (free with aimc_free). */
int aimc_read_file(aimc_ctx *ctx, const char *path, char **data, size_t *size);
/* The same for a text input the user gives (a calibration file, an index
 * map): one that cannot be read is AIMC_ENOTFOUND "<what> <path> cannot be
 * read", a NUL byte AIMC_EFORMAT "<path>: not a text file (NUL byte)";
 * *text is NULL on failure. */
int aimc_read_text(aimc_ctx *ctx, const char *path, const char *what, char **text, size_t *size);
/* AIMC_OK when line q (line `line` of path) is exactly `header`, blanks
 * after it allowed; else AIMC_EFORMAT "path:line:1: expected the header". */
int aimc_text_header(aimc_ctx *ctx, const char *path, int line, const char *q,
                     const char *header);

/* The path of a file named `rel` inside the file `anchor` (a netlist): rel
 * next to anchor (or rel when absolute), unless no file is there but one
 * is at rel from the current directory (buf: len bytes; cut to fit). A
 * file in neither place gets the path next to anchor, for the message. */
void aimc_path_beside(const char *anchor, const char *rel, char *buf, size_t len);
/* The inverse: the path of the existing file `path` (from the current
 * directory, or absolute) as seen from the folder of `anchor` (a file that
 * may not exist yet, in a folder that does), so that aimc_path_beside(anchor,
 * result) names it again. An absolute path, or one that cannot be
 * resolved, is written as given. */
void aimc_path_from(const char *anchor, const char *path, char *buf, size_t len);

/* The next data line of a text read whole (aimc_read_file), cut in place
 * at its newline: blank lines and '#' comments are skipped. Returns the
 * line's first non-blank character, or NULL at the end; *start is where
 * the line begins (columns count from it) and *line its 1-based number.
 * *cursor starts at the text. */
char *aimc_text_line(char **cursor, int *line, char **start);

/* mkdir -p; existing directories are fine. */
int aimc_mkdirs(aimc_ctx *ctx, const char *path);

/* AIMC_OK when `path` does not exist or is a regular file (want_dir = 0) or
 * a directory (want_dir = 1, symlinks refused); else AIMC_EINVAL naming
 * what it is. */
int aimc_output_check(aimc_ctx *ctx, const char *path, int want_dir);
/* Removes "<path>.tmp.<pid>" and "<path>.old.<pid>" (files or folders)
 * whose process no longer runs on this machine. */
void aimc_clean_stale(aimc_ctx *ctx, const char *path);
/* rm -r without following symlinks; 0 when gone (or never there). */
int aimc_remove_tree(const char *path);
/* rename(2) and an atomic swap of two paths (Linux RENAME_EXCHANGE; -1 with
 * errno when unsupported), both counted by the kill test hook. */
int aimc_rename(const char *from, const char *to);
int aimc_rename_exchange(const char *a, const char *b);

/* ---- Output folders as one unit ------------------------------------------ */

/* The marker written last into a published folder: its first line names
 * the command ("aimc run"), the rest is the command's own text. */
#define AIMC_OUTDIR_MARKER ".aimc-output"

typedef struct aimc_outdir aimc_outdir;

/* Begins writing the folder `dir` (trailing slashes ignored) as output of
 * `kind`. An existing `dir` is refused (AIMC_EINVAL) unless it is a folder
 * holding an earlier output of `kind`, is empty, or holds only names that
 * match the fnmatch patterns of `legacy` (NULL-terminated, may be NULL:
 * outputs written before the marker existed). Makes dir's parents and the
 * temporary folder; stale temporaries of dead writers are removed. */
int aimc_outdir_begin(aimc_ctx *ctx, const char *dir, const char *kind,
                      const char *const *legacy, aimc_outdir **out);
/* The temporary folder to write into, and the final path. */
const char *aimc_outdir_path(const aimc_outdir *t);
const char *aimc_outdir_final(const aimc_outdir *t);
/* Writes the marker (kind, then `marker` text, may be NULL), then puts the
 * folder in place with one rename (an atomic exchange when an old output
 * exists) and removes the old one. Frees t in every case. */
int aimc_outdir_commit(aimc_ctx *ctx, aimc_outdir *t, const char *marker);
/* Removes the temporary folder; frees t. NULL is a no-op. */
void aimc_outdir_abort(aimc_ctx *ctx, aimc_outdir *t);
/* For readers: AIMC_OK when `dir` is a complete output of `kind` (its
 * marker is there and names it); else an error saying it is unfinished or
 * another command's (AIMC_EINVAL) or missing (AIMC_ENOTFOUND). With
 * `marker`, returns the marker's whole text (free with aimc_free). */
int aimc_outdir_check(aimc_ctx *ctx, const char *dir, const char *kind,
                      char **marker);

/* ---- A lock for one writer per output -------------------------------------- */

typedef struct aimc_lock aimc_lock;

/* Takes an exclusive flock on `path` (created; holds the holder's pid)
 * without waiting: when another process holds it, fails with AIMC_ESTATE
 * and a message naming `what`, the holder's pid and the lock file. The
 * lock ends with aimc_lock_release or with the process. */
int aimc_lock_acquire(aimc_ctx *ctx, const char *path, const char *what,
                      aimc_lock **out);
void aimc_lock_release(aimc_ctx *ctx, aimc_lock *l);

#ifdef __cplusplus
}
#endif
#endif
