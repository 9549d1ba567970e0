/* Subcommands of `aimc device` (dispatched from cmd_device.c). */
#ifndef AIMC_CMD_DEVICE_SUB_H
#define AIMC_CMD_DEVICE_SUB_H

#include "aimc/context.h"

/* aimc device fit PULSES.csv -o CARD.yaml (cmd_device_fit.c) */
int aimc_cmd_device_fit(aimc_ctx *ctx, int argc, char **argv);
/* aimc device train-inverse -o INV.bin (cmd_device_inverse.c) */
int aimc_cmd_device_train_inverse(aimc_ctx *ctx, int argc, char **argv);

#endif
