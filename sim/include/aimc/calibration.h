/* The per-channel calibration of a tile's converters, as `aimc map` writes
 * it beside the conductance targets (docs/netlist-format.md): one CSV per
 * array, a header line and one row per converter channel,
 *
 *     part,channel,range,bits
 *     dac,0,1.5,4
 *     adc,0,2,2
 *
 * `part` is the tile part the row calibrates (dac: a row driver, adc: a
 * column converter), `range` the channel's full scale in digital units
 * (aimc/model.h: the value the model's word stands for at full scale) and
 * `bits` its resolution (0: exact). Every channel of a named part appears
 * exactly once. The converter models read their part's rows (their `cal`
 * param) for an event-by-event `aimc sim`, and `aimc run` reads the same
 * rows into its tiles: a hand edit of one channel acts in both. */
#ifndef AIMC_CALIBRATION_H
#define AIMC_CALIBRATION_H
#include <stdio.h>

#include "aimc/context.h"
#include "aimc/model.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AIMC_CAL_HEADER "part,channel,range,bits"
enum { AIMC_CAL_BITS_MAX = 16 };

/* Reads the n channels of `part` from the calibration file `path` into
 * fs[] and bits[]. A file that is missing, malformed (with file:line:col),
 * or that leaves a channel of `part` out or gives one twice fails with
 * AIMC_ENOTFOUND / AIMC_EFORMAT / AIMC_ESHAPE and a message. */
int aimc_cal_read(aimc_ctx *ctx, const char *path, const char *part, int n, double *fs,
                  int *bits);

/* Writes the header line. */
void aimc_cal_write_header(FILE *o);
/* Writes the n rows of `part`, exactly (a reader gets the same doubles). */
void aimc_cal_write(FILE *o, const char *part, int n, const double *fs, const int *bits);

/* A converter's `range` param against its calibration: a range > 0 gives
 * every channel that one full scale (a converter built with one range),
 * 0 keeps each channel's. Applied to fs[0..n). */
void aimc_cal_apply_range(double range, int n, double *fs);
/* A converter's validate: range 0 (each channel's full scale from the
 * calibration) needs a cal file. AIMC_ERANGE with a message in err. */
int aimc_cal_check_range(double range, const char *cal, char *err, size_t errlen);

/* A converter instance's calibration for an event-by-event run: the n
 * channels of `part` from the file its `cal` param names (relative to the
 * netlist's folder), in blocks of the instance, with `range` applied;
 * *fs and *bits stay NULL when cal is empty (every channel at the
 * params' range and bits). bits may be NULL: a part without a
 * resolution (the tia). */
int aimc_cal_load_inst(aimc_inst *inst, const char *cal, const char *part, int n,
                       double range, double **fs, int **bits);
/* The same file checked without an instance (a model's check_files):
 * `source` the netlist file the instance is written in; cal empty: OK. */
int aimc_cal_check_file(aimc_ctx *ctx, const char *source, const char *cal, const char *part,
                        int n);

#ifdef __cplusplus
}
#endif
#endif
