/* The engine runs an elaborated design on the event kernel: one instance
 * per design instance, nets as vectors of doubles, energy and operation
 * counts per instance. Models talk to it only through the aimc_inst_*
 * calls below. Events are coarse: one per array operation or conversion
 * batch, never one per cell. */
#ifndef AIMC_ENGINE_H
#define AIMC_ENGINE_H

#include <stdint.h>
#include <stdio.h>

#include "aimc/context.h"
#include "aimc/design.h"
#include "aimc/kernel.h"
#include "aimc/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aimc_engine aimc_engine;

/* Instantiates every instance of `d` (borrowed; must outlive the engine)
 * on a new kernel of the given backend, and runs each model's init. Each
 * instance gets its own RNG stream derived from the context seed and the
 * hash of its name, so results do not depend on instance order. */
int aimc_engine_alloc(aimc_ctx *ctx, const aimc_design *d,
                      aimc_kernel_backend backend, aimc_engine **out);
void aimc_engine_free(aimc_engine *e);

aimc_kernel *aimc_engine_kernel(aimc_engine *e);
size_t aimc_engine_n_inst(const aimc_engine *e);
aimc_inst *aimc_engine_inst(aimc_engine *e, size_t i);
aimc_inst *aimc_engine_find(aimc_engine *e, const char *name);

/* Drives a net from outside (a testbench input) at now + delay. */
int aimc_engine_drive_net(aimc_engine *e, int net, const double *values,
                          aimc_time delay);
/* Writes a net that an instance drives, from outside, at now + delay (a
 * testbench's force for one write: the driver's next write wins). The
 * sequence controller of `aimc sim --input` gives a single-form layer its
 * flush input this way (sim/cli/sim_input.c). */
int aimc_engine_force_net(aimc_engine *e, int net, const double *values, aimc_time delay);
/* The current value vector of a net (width from the design). */
const double *aimc_engine_net_value(const aimc_engine *e, int net);
/* Runs the kernel until no event is pending / until t_end. */
int aimc_engine_run(aimc_engine *e);
int aimc_engine_run_until(aimc_engine *e, aimc_time t_end);
/* Resets kernel, nets, energies and every instance: a model with a reset
 * hook gets it, the others are freed and initialised again. Each
 * instance's random stream is put back where it stood on the fresh engine
 * at that point (the hook sees the stream as init left it; init starts
 * again from the seed the engine was made with), so run, reset, run gives
 * the same events, values and energies as two fresh engines. */
int aimc_engine_reset(aimc_engine *e);
/* Draws every instance's noise from here on from the streams `aimc run`
 * gives sample `sample` of a run (aimc_seed_noise; a fresh engine: 0), so
 * an event simulation of sample k meets `aimc run`'s sample k. Kept over
 * resets. */
void aimc_engine_set_sample(aimc_engine *e, uint64_t sample);
/* A synchronous design: from here on every instance's drive is delayed
 * to a whole number of periods (its delay rounded up to the period; a
 * zero delay stays 0), as aimc run counts each stage in whole clock
 * cycles (aimc_infer_cycles). period 0: delays as the models give them
 * (the default). Kept over resets. */
void aimc_engine_set_clock(aimc_engine *e, aimc_time period);
/* Pipeline registers on a step clock: a drive of net `net` (flag 1) lands
 * on the next edge of a clock of period `step` (0: as driven). Kept over
 * resets. */
void aimc_engine_set_step_reg(aimc_engine *e, int net, int flag);
void aimc_engine_set_step(aimc_engine *e, aimc_time step);
/* When the last drive of net `net` lands (kernel time), or -1. */
aimc_time aimc_engine_net_driven(const aimc_engine *e, int net);

/* What a kernel event of this engine is, for traces: "drive NET" (a value
 * reaching a net), "commit" (staged nets published, readers woken) or the
 * instance name (its own event). Writes into buf (len bytes), returns buf. */
const char *aimc_engine_event_name(const aimc_engine *e, const aimc_event *ev,
                                   char *buf, size_t len);

/* Energy (J) summed per class, and total. The total over classes equals
 * the total over instances (up to rounding). */
double aimc_engine_energy(const aimc_engine *e, aimc_energy_class c);
double aimc_engine_energy_total(const aimc_engine *e);
/* Zeroes energy and op counters (not device state). */
void aimc_engine_clear_energy(aimc_engine *e);

/* --- services for models ---------------------------------------------- */
const char *aimc_inst_name(const aimc_inst *inst);
/* The netlist file the instance was written in (file params name paths
 * relative to its folder: aimc_path_beside), or NULL. */
const char *aimc_inst_source(const aimc_inst *inst);
const aimc_model *aimc_inst_model(const aimc_inst *inst);
const void *aimc_inst_params(const aimc_inst *inst);
void *aimc_inst_state(aimc_inst *inst);
aimc_ctx *aimc_inst_ctx(aimc_inst *inst);
gsl_rng *aimc_inst_rng(aimc_inst *inst);
/* The stream an instance's eval draws from in the event kernel (one lane,
 * aimc/lanes.h): restarts at init and at every reset. */
aimc_xs128p *aimc_inst_lane_rng(aimc_inst *inst);
/* The seed of what the instance draws once (aimc_seed_static of the
 * engine's seed and the instance's netlist name): its init draws the
 * static state `aimc run` draws for the same part. */
uint64_t aimc_inst_static_seed(const aimc_inst *inst);
aimc_time aimc_inst_now(const aimc_inst *inst);
aimc_engine *aimc_inst_engine(aimc_inst *inst);
/* Zeroed memory owned by the instance, freed with the engine. */
void *aimc_inst_alloc(aimc_inst *inst, size_t size);
/* Hands obj (made through the engine's context) to the instance:
 * release(ctx, obj) runs when the instance's memory is freed (with the
 * engine, or before a fresh init). Out of memory: released at once,
 * AIMC_ENOMEM. */
int aimc_inst_own(aimc_inst *inst, void *obj, void (*release)(aimc_ctx *ctx, void *obj));

int aimc_inst_port_width(const aimc_inst *inst, int port);
/* 1 if the port is connected to a net. */
int aimc_inst_port_connected(const aimc_inst *inst, int port);
/* Current value vector on an input (or output) port's net; NULL if open. */
const double *aimc_inst_in(const aimc_inst *inst, int port);
/* Staging buffer of an output port: fill it, then aimc_inst_drive. */
double *aimc_inst_out(aimc_inst *inst, int port);
/* Publishes the staged output at now + delay: the net takes the value
 * then, and every instance with an input on that net gets on_input. */
int aimc_inst_drive(aimc_inst *inst, int port, aimc_time delay);
/* Schedules on_event(tag, data) for this instance at now + delay. */
int aimc_inst_schedule(aimc_inst *inst, aimc_time delay, uint32_t tag,
                       uint64_t data);

/* Accounting: energy in J; `ops` counts operations for TOPS/W (one MAC = 2
 * ops). aimc_inst_add_energy books to the model's class (its eclass);
 * aimc_inst_add_energy_in books to class c, for a model whose energy spans
 * classes (an ADC with a static part books that part to AIMC_EC_STATIC). A
 * c outside the enum is booked as AIMC_EC_OTHER. aimc_inst_energy is the
 * instance's energy over all classes. */
void aimc_inst_add_energy(aimc_inst *inst, double e_J);
void aimc_inst_add_energy_in(aimc_inst *inst, aimc_energy_class c, double e_J);
void aimc_inst_add_ops(aimc_inst *inst, uint64_t ops);
double aimc_inst_energy(const aimc_inst *inst);
uint64_t aimc_inst_ops(const aimc_inst *inst);

#ifdef __cplusplus
}
#endif
#endif
