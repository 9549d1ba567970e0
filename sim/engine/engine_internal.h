/* The engine's data structures, shared by engine.c (build, run, reset,
 * accounting) and inst.c (the services models call).
 *
 * Invariants: a net's `value` changes only in commit_nets (the update of a
 * delta cycle), so every reader woken in one delta sees the same values;
 * `staged` is 1 exactly for the nets listed in `dirty`; a pool slot is
 * either on the free list or carried by one pending drive event.
 * Public header of sim/engine: sim/include/aimc/engine.h. */
#ifndef AIMC_ENGINE_INTERNAL_H
#define AIMC_ENGINE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "aimc/engine.h"

typedef struct {
  int width;
  double *value;     /* committed value (what readers see)              */
  double *next;      /* value staged for the next delta                  */
  int staged;
  /* Drives in flight: `cap` slots of `width` doubles; free ones listed. */
  double *pool;
  uint32_t *free_slots;
  size_t cap, n_free;
  size_t first_reader, n_readers; /* range in engine->readers            */
  int step_reg;       /* a register on the step clock (engine->step)      */
  aimc_time t_driven; /* when the last drive lands (-1: never)            */
} eng_net;

typedef struct {
  uint32_t inst;
  int port;
} eng_reader;

typedef struct {
  int net;      /* -1: open                                            */
  int width;
  double *out;  /* staging buffer of an output port (width doubles)    */
} eng_port;

/* A block from aimc_inst_alloc (the payload follows the header), or an
 * object of aimc_inst_own with the function that releases it. */
typedef union inst_block {
  struct {
    union inst_block *next;
    void (*release)(aimc_ctx *ctx, void *obj);
    void *obj;
  } h;
  max_align_t align_;
} inst_block;

struct aimc_inst {
  aimc_engine *engine;
  const aimc_design_inst *di;
  const aimc_model *model;
  void *state;
  /* The instance's stream; its state lives in rng_state, followed by a
   * copy of the state as it was after init, which a reset hook gets back. */
  gsl_rng rng;
  unsigned char *rng_state;
  /* The stream of the model's evaluations (aimc/lanes.h), from its start
   * at init and at every reset. */
  aimc_xs128p lane_rng;
  uint32_t handler;
  eng_port *ports;
  size_t n_ports;  /* the model's specs, a port array counted as its elements */
  double energy_J[AIMC_EC_COUNT_]; /* by class                          */
  uint64_t ops;
  inst_block *blocks;
};

struct aimc_engine {
  aimc_ctx *ctx;
  const aimc_design *design;
  aimc_kernel *kernel;
  aimc_inst *inst;
  size_t n_inst;
  eng_net *net;
  size_t n_net;
  eng_reader *readers;
  uint32_t *dirty;   /* nets with a staged value (room for n_net)        */
  size_t n_dirty;
  uint32_t drive_handler, commit_handler, commit_signal;
  double commits;    /* value last written to commit_signal              */
  uint64_t seed;     /* context seed at alloc: resets replay from it     */
  uint64_t sample;   /* the run's sample the noise streams are of (0)    */
  aimc_time clock;   /* > 0: instances' drives land on this clock's edges */
  aimc_time step;    /* > 0: step_reg nets' drives land on its edges      */
};

/* inst.c: kernel handlers of drives, commits and instance events. */
int aimc_eng_on_drive(aimc_kernel *k, void *self, const aimc_event *ev);
int aimc_eng_on_commit(aimc_kernel *k, void *self, const aimc_event *ev);
int aimc_eng_on_inst_event(aimc_kernel *k, void *self, const aimc_event *ev);
/* Puts `values` on net n at now + delay (through a pool slot). */
int aimc_eng_drive(aimc_engine *e, int n, const double *values,
                   aimc_time delay);
/* Frees every aimc_inst_alloc block of an instance. */
void aimc_eng_free_blocks(aimc_inst *inst);

#endif
