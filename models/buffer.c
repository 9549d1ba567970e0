/* buffer: an SRAM buffer in the data path: words pass through after
 * t_access; energy n * bits * (e_write_bit + e_read_bit) per vector
 * (one write, one read). Default per-bit energies after Horowitz,
 * "Computing's energy problem", ISSCC 2014 (8 KB SRAM, 45 nm: ~10 pJ per
 * 64-bit access, i.e. ~0.16 pJ/bit). */
#include <stddef.h>

#include "aimc/status.h"
#include "store_forward.h"

typedef struct {
  int n, bits;
  double e_write_bit, e_read_bit;
  aimc_time t_access;
} buffer_params;

#define SRC "Horowitz, ISSCC 2014, 'Computing's energy problem'"
static const aimc_param PARAMS[] = {
    {"n", AIMC_PT_INT, offsetof(buffer_params, n), 1, 1, 1 << 20, AIMC_U_NONE,
     "Words per vector.", "", NULL, NULL},
    {"bits", AIMC_PT_INT, offsetof(buffer_params, bits), 16, 1, 64, AIMC_U_NONE,
     "Bits per word (energy only).", "", NULL, NULL},
    {"e_write_bit", AIMC_PT_REAL, offsetof(buffer_params, e_write_bit),
     0.16e-12, 0, 1e-9, AIMC_U_JOULE, "Energy to write one bit.", SRC, NULL,
     NULL},
    {"e_read_bit", AIMC_PT_REAL, offsetof(buffer_params, e_read_bit), 0.16e-12,
     0, 1e-9, AIMC_U_JOULE, "Energy to read one bit.", SRC, NULL, NULL},
    {"t_access", AIMC_PT_TIME, offsetof(buffer_params, t_access), 1e-9, 0, 1e-3,
     AIMC_U_SECOND, "Write-to-read latency.", SRC, NULL, NULL},
};

static const aimc_port_spec PORTS[] = {
    {"in", AIMC_PORT_IN, AIMC_SIG_DIGITAL, "n", "Words in.", 0},
    {"out", AIMC_PORT_OUT, AIMC_SIG_DIGITAL, "n",
     "The same words, t_access later.", 0},
};

/* Every word written once and read once. */
static aimc_op_cost buffer_op_cost(const void *params, const aimc_op_use *use) {
  const buffer_params *p = params;
  return (aimc_op_cost){(double)use->n * p->bits * (p->e_write_bit + p->e_read_bit),
                        p->t_access};
}

static int buffer_on_input(aimc_inst *inst, int port) {
  (void)port;
  const buffer_params *p = aimc_inst_params(inst);
  return aimc_store_forward(inst, p->n, NULL,
                            buffer_op_cost(p, &(aimc_op_use){.n = p->n}));
}

const aimc_model aimc_model_buffer = {
    .name = "buffer",
    .summary =
        "SRAM buffer: words pass through with an access latency and per-bit "
        "energy",
    .source = SRC,
    .eclass = AIMC_EC_BUFFER,
    .sequential = 1,
    .params = PARAMS,
    .n_params = AIMC_NPARAMS(PARAMS),
    .params_size = sizeof(buffer_params),
    .ports = PORTS,
    .n_ports = AIMC_NPARAMS(PORTS),
    .on_input = buffer_on_input,
    .op_cost = buffer_op_cost,
};
