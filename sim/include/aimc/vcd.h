/* Value change dump (VCD, IEEE 1364-2005 clause 18) writer: waveforms that
 * GTKWave and other viewers open, with the time unit of aimc_time (1 fs). */
#ifndef AIMC_VCD_H
#define AIMC_VCD_H

#include <stdint.h>
#include <stdio.h>

#include "aimc/context.h"
#include "aimc/units.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A dump in two phases. First the variables are declared (aimc_vcd_wire,
 * aimc_vcd_real); aimc_vcd_begin then writes the declarations and every
 * variable's initial value (0) at time 0. After it, value changes are
 * written as they come, at non-decreasing times.
 *
 * The writer only writes to a stream the caller owns. To leave no half file
 * behind an interrupted run, pass the stream of an aimc_atomic_file
 * (aimc/fileio.h) and commit it after aimc_vcd_free (or abort it on
 * failure): write errors show up there, when the stream is committed. The
 * output is a function of the calls alone (no date, no host), so equal runs
 * give byte-identical files. */
typedef struct aimc_vcd aimc_vcd;

/* Starts a dump on `out` (borrowed; not closed by aimc_vcd_free) and writes
 * its header ($version, $timescale 1 fs). */
int aimc_vcd_alloc(aimc_ctx *ctx, FILE *out, aimc_vcd **vcd);
/* Frees the writer; NULL is a no-op. */
void aimc_vcd_free(aimc_vcd *vcd);

/* Declares a variable and writes its identifier (0, 1, 2, ... in
 * declaration order) to *id. The name is a dotted path: "layer0.adc.busy"
 * is variable "busy" in scope "adc" inside scope "layer0". Characters other
 * than letters, digits, '_' and the dots are replaced by '_' (a VCD name
 * cannot hold spaces, and brackets or '$' would be read as bit ranges or
 * keywords). Empty path components and two variables of one name are
 * AIMC_EINVAL; declaring after aimc_vcd_begin is AIMC_ESTATE.
 *
 * aimc_vcd_wire declares an unsigned bit vector of 1..64 bits (a busy flag,
 * a counter, a digital word); aimc_vcd_real a double (an analog value). */
int aimc_vcd_wire(aimc_vcd *vcd, const char *name, int width, int *id);
int aimc_vcd_real(aimc_vcd *vcd, const char *name, int *id);

/* Ends the declarations: writes the scopes and variables (sorted by path),
 * $enddefinitions, and the initial values under $dumpvars at time 0. */
int aimc_vcd_begin(aimc_vcd *vcd);

/* Sets variable `id` to `value` at time t_fs. Times must not decrease
 * (AIMC_EINVAL, naming both times); a time stamp is written once per time,
 * and only when some value changes then; setting a variable to the value it
 * has writes nothing. A wire value must fit its width (AIMC_ERANGE); setting
 * a wire through aimc_vcd_set_real or the reverse is AIMC_EINVAL; calls
 * before aimc_vcd_begin are AIMC_ESTATE. Reals compare and print exactly
 * (shortest decimal that reads back to the same double). */
int aimc_vcd_set_wire(aimc_vcd *vcd, int id, aimc_time t_fs, uint64_t value);
int aimc_vcd_set_real(aimc_vcd *vcd, int id, aimc_time t_fs, double value);

/* Writes the time stamp t_fs (if later than the last one) without a value
 * change, so that viewers show the trace up to its end. */
int aimc_vcd_end(aimc_vcd *vcd, aimc_time t_fs);

#ifdef __cplusplus
}
#endif
#endif
