/* Energy and latency of one inference from operation counts
 * (docs/energy-latency.md has every formula): one read per array and time
 * step, priced by the models of the array's tile (their op_cost, with the
 * params the netlist gives them: the same figures the event models book),
 * each operation of the digital periphery by its instance's op_cost,
 * buffers from the arch's figures, static power over the latency. */
#include <stdio.h>
#include <string.h>

#include "aimc/status.h"
#include "infer_internal.h"

uint64_t aimc_infer_cycles(const aimc_arch *a, aimc_time t_fs) {
  return (uint64_t)((t_fs + a->clock_fs - 1) / a->clock_fs);
}

static double part_cost(const aimc_tile *t, aimc_tile_part part, const aimc_op_use *use,
                        aimc_time *t_fs) {
  aimc_op_cost c = aimc_model_op_cost(t->model[part], t->params[part], use);
  *t_fs = c.t_fs;
  return c.e_J;
}

void aimc_infer_read_costs(const aimc_hw *hw, aimc_read_cost *cost) {
  const aimc_mapping *m = hw->map;
  const aimc_arch *a = &m->arch;
  for (size_t k = 0; k < m->n_arrays; k++) {
    const aimc_map_array *arr = &m->arrays[k];
    const aimc_tile *tile = &m->tiles[k];
    aimc_read_cost *c = &cost[k];
    memset(c, 0, sizeof *c);
    aimc_map_array_use(m, k, &c->rows, &c->cols, &c->state_words);
    for (int p = 0; p < arr->n_place; p++)
      c->macs += (uint64_t)arr->place[p].n_in * arr->place[p].n_out;
    /* A full-scale read, as the crossbar model books it from the array's
     * layout (its idle devices along the driven rows conduct too). */
    aimc_op_use xbar = aimc_xbar_layout_read_use(hw->layout[k], hw->g_S[k]);
    aimc_time t_dac, t_xbar, t_tia, t_adc, t_reg;
    c->e_dac_J = part_cost(tile, AIMC_TILE_DAC, &(aimc_op_use){.n = c->rows}, &t_dac);
    c->e_array_J = part_cost(tile, AIMC_TILE_XBAR, &xbar, &t_xbar);
    c->e_tia_J = part_cost(tile, AIMC_TILE_TIA, &(aimc_op_use){.n = c->cols}, &t_tia);
    /* The tile's n_adc converters take its columns in rounds. */
    c->e_adc_J = part_cost(tile, AIMC_TILE_ADC, &(aimc_op_use){.n = c->cols}, &t_adc);
    c->e_reg_J = part_cost(tile, AIMC_TILE_HOLD, &(aimc_op_use){.n = c->state_words}, &t_reg);
    c->cycles[AIMC_STAGE_DAC] = aimc_infer_cycles(a, t_dac);
    c->cycles[AIMC_STAGE_ARRAY] = aimc_infer_cycles(a, t_xbar);
    c->cycles[AIMC_STAGE_TIA] = aimc_infer_cycles(a, t_tia);
    c->cycles[AIMC_STAGE_ADC] = aimc_infer_cycles(a, t_adc);
    c->reg_cycles = aimc_infer_cycles(a, t_reg);
  }
}

const char *aimc_stage_name(aimc_stage_kind k) {
  static const char *const names[AIMC_STAGE_KINDS] = {"dac", "array", "tia",
                                                      "adc", "reg", "periph"};
  return k >= 0 && k < AIMC_STAGE_KINDS ? names[k] : "?";
}

/* Cycles of stage `stage` (AIMC_STAGE_REG: the register write) of the
 * slowest array holding matrix mi, or 0 (mi < 0: no such matrix). */
static uint64_t slowest(const aimc_mapping *m, const aimc_read_cost *c, int mi, int stage) {
  uint64_t worst = 0;
  for (size_t k = 0; k < m->n_arrays && mi >= 0; k++)
    for (int p = 0; p < m->arrays[k].n_place; p++) {
      uint64_t t = stage == AIMC_STAGE_REG ? c[k].reg_cycles : c[k].cycles[stage];
      if (m->arrays[k].place[p].matrix == mi && t > worst) worst = t;
    }
  return worst;
}

/* A read of matrix mi (and mj, read alongside; -1: none), stage by stage. */
static uint64_t read_cycles(const aimc_mapping *m, const aimc_read_cost *c, int mi, int mj) {
  uint64_t sum = 0;
  for (int s = 0; s < AIMC_STAGE_REG; s++) {
    uint64_t a = slowest(m, c, mi, s), b = slowest(m, c, mj, s);
    sum += a > b ? a : b;
  }
  return sum;
}


/* The four analog stages of a read of mi (with mj alongside). */
static int read_stages(const aimc_mapping *m, const aimc_read_cost *c, int mi, int mj,
                       int read, aimc_stage *out) {
  for (int s = 0; s < AIMC_STAGE_REG; s++) {
    uint64_t a = slowest(m, c, mi, s), b = slowest(m, c, mj, s);
    out[s] = (aimc_stage){(aimc_stage_kind)s, read, a > b ? a : b};
  }
  return AIMC_STAGE_REG;
}

/* One operation of periphery instance q (its op_cost). */
static aimc_op_cost periph_cost(const aimc_periph *q) {
  return aimc_model_op_cost(aimc_s4d_digital_model(), &q->p,
                            &(aimc_op_use){.n = q->p.n});
}

/* Cycles of periphery instance `role` of layer l, 0 when there is none. */
static uint64_t dig_cycles(const aimc_mapping *m, aimc_periph_role role, int l) {
  const aimc_periph *q = aimc_map_periph_find(m, role, l);
  return q ? aimc_infer_cycles(&m->arch, periph_cost(q).t_fs) : 0;
}

/* A dense layer of the periphery: its instance, after its matrix's read
 * when it is on arrays (the instance then adds the bias). */
static uint64_t dense_cycles(const aimc_mapping *m, const aimc_read_cost *cost,
                             aimc_periph_role role, aimc_op_kind kind, int l) {
  int mi = aimc_map_find_matrix(m, kind, l);
  return (mi >= 0 ? read_cycles(m, cost, mi, -1) : 0) + dig_cycles(m, role, l);
}

int aimc_infer_layer_stages(const aimc_s4d_model *mdl, const aimc_hw *hw,
                            const aimc_read_cost *cost, int l, aimc_stage *out) {
  const aimc_mapping *m = hw->map;
  const aimc_arch *a = &m->arch;
  /* The instances one after the other; the last layer's output also
   * goes into the pool's running sum. */
  uint64_t periph = dig_cycles(m, AIMC_PERIPH_GELU, l) +
                    dense_cycles(m, cost, AIMC_PERIPH_MIX, AIMC_OP_MIX, l) +
                    dig_cycles(m, AIMC_PERIPH_GLU, l) + dig_cycles(m, AIMC_PERIPH_RESIDUAL, l) +
                    dig_cycles(m, AIMC_PERIPH_NORM, l) +
                    (l + 1 == mdl->layers ? dig_cycles(m, AIMC_PERIPH_POOL, -1) : 0);
  int single = a->form == AIMC_FORM_SINGLE, n = 0;
  int state = aimc_map_find_matrix(m, single ? AIMC_OP_SSM : AIMC_OP_SSM_A, l);
  int b = single ? -1 : aimc_map_find_matrix(m, AIMC_OP_SSM_B, l);
  n += read_stages(m, cost, state, b, 0, out + n);
  /* The register takes the state (separate form: after adding A x + B u). */
  out[n++] = (aimc_stage){AIMC_STAGE_REG, 0,
                          slowest(m, cost, state, AIMC_STAGE_REG) +
                              dig_cycles(m, AIMC_PERIPH_STATE_SUM, l)};
  if (!single)
    n += read_stages(m, cost, aimc_map_find_matrix(m, AIMC_OP_SSM_CD, l), -1, 1, out + n);
  out[n++] = (aimc_stage){AIMC_STAGE_PERIPH, single ? 0 : 1, periph};
  /* A layer takes at least one cycle (keeps event times ordered). */
  uint64_t sum = 0;
  for (int i = 0; i < n; i++) sum += out[i].cycles;
  if (!sum) out[n - 1].cycles = 1;
  return n;
}

void aimc_infer_wavefront(const aimc_arch *a, int *enc_lag, int *layer_lag) {
  int lag = a->form == AIMC_FORM_SINGLE ? 1 : 0;
  *enc_lag = a->pipeline ? 1 : 0;
  *layer_lag = a->pipeline ? lag + 1 : lag;
}

int aimc_infer_steps(const aimc_arch *a, int layers, int len) {
  int enc_lag, layer_lag, lag = a->form == AIMC_FORM_SINGLE ? 1 : 0;
  aimc_infer_wavefront(a, &enc_lag, &layer_lag);
  /* The last layer's last read (the flush read in the single form). */
  return len + lag + enc_lag + (layers - 1) * layer_lag;
}

void aimc_infer_stage_cycles(const aimc_s4d_model *mdl, const aimc_hw *hw,
                             const aimc_read_cost *cost, uint64_t *c_enc,
                             uint64_t *c_layer, uint64_t *c_dec) {
  const aimc_mapping *m = hw->map;
  *c_enc = dense_cycles(m, cost, AIMC_PERIPH_ENCODER, AIMC_OP_ENCODER, -1);
  *c_dec = dig_cycles(m, AIMC_PERIPH_MEAN, -1) +
           dense_cycles(m, cost, AIMC_PERIPH_DECODER, AIMC_OP_DECODER, -1);
  for (int l = 0; l < mdl->layers; l++) {
    aimc_stage st[AIMC_STAGES_MAX];
    int n = aimc_infer_layer_stages(mdl, hw, cost, l, st);
    c_layer[l] = 0;
    for (int i = 0; i < n; i++) c_layer[l] += st[i].cycles;
  }
  if (!*c_enc) *c_enc = 1;
}

/* Entry i of r->inst: part p of array k's tile (p < 0: the tile's static
 * power). */
static void add_inst(aimc_infer_result *r, size_t i, const aimc_mapping *m, size_t k, int p,
                     double e_J) {
  aimc_infer_inst_energy *e = &r->inst[i];
  if (p < 0) aimc_map_array_name(m, k, e->name, sizeof e->name);
  else aimc_map_part_name(m, k, (aimc_tile_part)p, e->name, sizeof e->name);
  e->eclass = p < 0 ? AIMC_EC_STATIC : aimc_tile_part_model((aimc_tile_part)p)->eclass;
  e->e_J = e_J;
}

int aimc_infer_account(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                       const aimc_hw *hw, int len, aimc_infer_result *r) {
  const aimc_mapping *m = hw->map;
  const aimc_arch *a = &m->arch;
  int lag = a->form == AIMC_FORM_SINGLE ? 1 : 0, L = mdl->layers, H = mdl->h;
  aimc_read_cost *cost = aimc_calloc(ctx, m->n_arrays + 1, sizeof *cost);
  r->e_array_J = aimc_calloc(ctx, m->n_arrays + 1, sizeof(double));
  r->n_inst = m->n_arrays * (AIMC_TILE_PARTS + 1) + m->n_periph + 1;
  r->inst = aimc_calloc(ctx, r->n_inst, sizeof *r->inst);
  if (!cost || !r->e_array_J || !r->inst) {
    aimc_free(ctx, cost);
    return AIMC_ENOMEM;
  }
  r->n_arrays = m->n_arrays;
  aimc_infer_read_costs(hw, cost);
  uint64_t analog_macs = 0;
  double *E = r->e_inf_J;
  memset(E, 0, sizeof r->e_inf_J);
  for (size_t k = 0; k < m->n_arrays; k++) {
    const aimc_map_array *arr = &m->arrays[k];
    /* Reads per inference: SSM arrays read len (+1 flush in the single
     * form) times, encoder and mix arrays once per step, decoder once. */
    uint64_t reads = arr->kind == AIMC_OP_DECODER ? 1
                     : (arr->kind == AIMC_OP_ENCODER || arr->kind == AIMC_OP_MIX)
                         ? (uint64_t)len
                         : (uint64_t)(len + lag);
    const aimc_read_cost *c = &cost[k];
    E[AIMC_EC_DAC] += reads * c->e_dac_J;
    E[AIMC_EC_ARRAY] += reads * c->e_array_J;
    E[AIMC_EC_TIA] += reads * c->e_tia_J;
    E[AIMC_EC_ADC] += reads * c->e_adc_J;
    E[AIMC_EC_REGISTER] += reads * c->e_reg_J;
    r->e_array_J[k] = reads * (c->e_dac_J + c->e_array_J + c->e_tia_J + c->e_adc_J + c->e_reg_J);
    const double part_J[AIMC_TILE_PARTS] = {c->e_dac_J, c->e_array_J, c->e_tia_J, c->e_adc_J,
                                            c->e_reg_J};
    for (int p = 0; p < AIMC_TILE_PARTS; p++)
      add_inst(r, k * (AIMC_TILE_PARTS + 1) + (size_t)p, m, k, p, reads * part_J[p]);
    analog_macs += reads * c->macs;
  }
  /* The digital periphery: each instance's op_cost per operation, the
   * encoder and every layer's once per input step (the state sum with
   * the separate form's state read, also once per input), the pool's
   * running sum once per step, the mean and the decoder once. */
  uint64_t dig_macs = 0;
  size_t row = m->n_arrays * (AIMC_TILE_PARTS + 1);
  E[AIMC_EC_DIGITAL] = 0;
  for (size_t i = 0; i < m->n_periph; i++) {
    const aimc_periph *q = &m->periph[i];
    int once = q->role == AIMC_PERIPH_MEAN || q->role == AIMC_PERIPH_DECODER;
    uint64_t ops = once ? 1 : (uint64_t)len;
    double e = (double)ops * periph_cost(q).e_J;
    E[AIMC_EC_DIGITAL] += e;
    dig_macs += ops * aimc_s4d_digital_macs(&q->p);
    r->inst[row + i] = (aimc_infer_inst_energy){"", AIMC_EC_DIGITAL, e};
    snprintf(r->inst[row + i].name, sizeof r->inst[row + i].name, "%s", q->name);
  }
  /* SRAM: input features read per step; each layer's output written and
   * read once per step. */
  E[AIMC_EC_BUFFER] = a->e_buffer_J * (double)((uint64_t)len * mdl->n_in +
                                                (uint64_t)len * L * 2 * H);
  /* Latency. */
  uint64_t c_enc, c_dec, *c_layer = aimc_calloc(ctx, (size_t)L, sizeof(uint64_t));
  if (!c_layer) {
    aimc_free(ctx, cost);
    return AIMC_ENOMEM;
  }
  aimc_infer_stage_cycles(mdl, hw, cost, &c_enc, c_layer, &c_dec);
  uint64_t c_sum = c_enc, c_max = c_enc;
  for (int l = 0; l < L; l++) {
    c_sum += c_layer[l];
    if (c_layer[l] > c_max) c_max = c_layer[l];
  }
  aimc_free(ctx, c_layer);
  /* Pipelined: a hardware step starts every slowest stage; otherwise the
   * stages of a step run one after the other. The wavefront adds steps to
   * fill (aimc_infer_steps). */
  r->cycles_step = a->pipeline ? c_max : c_sum;
  r->cycles_seq = (uint64_t)aimc_infer_steps(a, L, len) * r->cycles_step + c_dec;
  double clk = aimc_time_to_s(a->clock_fs);
  r->latency_step_s = (double)r->cycles_step * clk;
  /* The latency is the kernel's clock at the end of an inference (run.c);
   * the stage costs must add up to it. */
  if (r->t_sim_fs && r->t_sim_fs != (aimc_time)r->cycles_seq * a->clock_fs) {
    aimc_free(ctx, cost);
    return aimc_error(ctx, AIMC_ESTATE,
                      "run: the kernel ended the inference at %.17g s but its stages "
                      "add up to %llu cycles (%.17g s)",
                      aimc_time_to_s(r->t_sim_fs), (unsigned long long)r->cycles_seq,
                      (double)r->cycles_seq * clk);
  }
  r->latency_seq_s = r->t_sim_fs ? aimc_time_to_s(r->t_sim_fs) : (double)r->cycles_seq * clk;
  r->throughput_inf_s = r->latency_seq_s > 0 ? 1 / r->latency_seq_s : 0;
  E[AIMC_EC_STATIC] = a->p_static_W * (double)m->n_arrays * r->latency_seq_s;
  for (size_t k = 0; k < m->n_arrays; k++) {
    r->e_array_J[k] += a->p_static_W * r->latency_seq_s;
    add_inst(r, k * (AIMC_TILE_PARTS + 1) + AIMC_TILE_PARTS, m, k, -1,
             a->p_static_W * r->latency_seq_s);
  }
  r->inst[r->n_inst - 1] = (aimc_infer_inst_energy){"buffer", AIMC_EC_BUFFER, E[AIMC_EC_BUFFER]};
  r->e_inf_total_J = 0;
  for (int c = 0; c < AIMC_EC_COUNT_; c++) r->e_inf_total_J += E[c];
  r->ops_inf = 2 * (analog_macs + dig_macs);
  r->tops_per_w = r->e_inf_total_J > 0 ? (double)r->ops_inf / r->e_inf_total_J / 1e12 : 0;
  r->map = m->stats;
  r->prog = hw->prog;
  aimc_free(ctx, cost);
  return AIMC_OK;
}
