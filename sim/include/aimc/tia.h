/* The tia model's rules that `aimc run` shares with it (models/tia.c), so
 * that the batched runner and a words tia of the event path (its `words`
 * param) decide alike whether a mapped tile's TIAs change the signal. */
#ifndef AIMC_TIA_H
#define AIMC_TIA_H

#include <math.h>

#include "aimc/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when a TIA of model m with these params passes a calibrated array's
 * column values on unchanged, so that it need not be evaluated: m has no
 * eval (it is not evaluated outside the kernel), or its gain is 0 (each
 * column at its calibration), its noise 0 and its clip v_sat at or beyond
 * v_fs, the ADC's full scale, which the ADC clips anyway. The one
 * approximation: a column driven past full scale gets the ADC's offset
 * and noise before that clip instead of after it (the exact order costs
 * a pass and a second deviate per column: 1.45x the batched read,
 * bench_inference). Params are read by key (gain, noise, v_sat, v_fs), so
 * any model in the tia's place answers by the same rule. */
int aimc_tia_transparent(const aimc_model *m, const void *params);

/* 1 when a column calibrated to the full-scale current i_fs (its
 * calibration file's tia row) carries another current at its ADC's full
 * scale adc_fs, amps_per_unit * adc_fs (a hand edit, or a read voltage
 * changed since the map): its TIA then scales the column and is
 * evaluated, transparent or not. */
static inline int aimc_tia_recalibrated(double i_fs, double amps_per_unit, double adc_fs) {
  return i_fs != amps_per_unit * adc_fs;
}

/* The current a calibrated column carries per unit of its value: the
 * window span_S (g_max - g_min) at the DAC's full-scale voltage v_fs,
 * over the block's top (its largest |row gain| x DAC full scale) and the
 * column's |col_gain|; 1 where that is not a positive number (a column
 * that carries nothing). aimc_map_slot_amps and the words tia use it. */
static inline double aimc_tia_column_amps(double span_S, double v_fs, double top,
                                          double col_gain) {
  double a = span_S * v_fs / (top * fabs(col_gain));
  return isfinite(a) && a > 0 ? a : 1;
}

#ifdef __cplusplus
}
#endif
#endif
