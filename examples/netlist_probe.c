/* Example: load a netlist, run it on the event kernel and watch it with a
 * probe of our own. The "probe" is a kernel trace callback: it sees every
 * delivered event, counts them per kind and notes when the watched net
 * takes a new value; at the end we print that net's value next to what
 * the netlist's own `probe` instances recorded.
 *
 *   cc netlist_probe.c $(pkg-config --cflags --libs aimc) -o netlist_probe
 *   ./netlist_probe NETLIST.yaml [NET]     (NET: default the last net) */
#include <aimc/context.h>
#include <aimc/design.h>
#include <aimc/engine.h>
#include <aimc/kernel.h>
#include <aimc/netlist.h>
#include <aimc/probe.h>
#include <aimc/status.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  const aimc_engine *engine;
  char drive_name[256];  /* "drive <net>", as aimc_engine_event_name says */
  unsigned long events;  /* every delivered event                        */
  unsigned long drives;  /* events that gave the watched net a value     */
  aimc_time last_fs;     /* when it last did                             */
} my_probe;

static void on_event(void *user, const aimc_event *ev) {
  my_probe *p = user;
  char name[256];
  p->events++;
  aimc_engine_event_name(p->engine, ev, name, sizeof name);
  if (strcmp(name, p->drive_name) == 0) {
    p->drives++;
    p->last_fs = ev->time;
  }
}

static int run(aimc_ctx *ctx, const char *path, const char *net_name) {
  aimc_design *d = NULL;
  aimc_engine *e = NULL;
  int st = aimc_netlist_load(ctx, path, &d);
  if (st) return st;
  int net = (int)d->n_net - 1;
  for (size_t i = 0; net_name && i < d->n_net; i++)
    if (strcmp(d->net[i].name, net_name) == 0) net = (int)i;
  if (net < 0 || (net_name && strcmp(d->net[net].name, net_name) != 0)) {
    st = aimc_error(ctx, AIMC_ENOTFOUND, "%s: no net '%s'", path,
                    net_name ? net_name : "(any)");
    goto done;
  }
  st = aimc_engine_alloc(ctx, d, AIMC_KERNEL_NATIVE, &e);
  if (st) goto done;

  my_probe p = {.engine = e};
  snprintf(p.drive_name, sizeof p.drive_name, "drive %s", d->net[net].name);
  aimc_kernel_set_trace(aimc_engine_kernel(e), on_event, &p);
  st = aimc_engine_run(e);
  if (st) goto done;

  printf("%s: %zu instances, %zu nets\n", path, d->n_inst, d->n_net);
  printf("simulated %.3f ns, %lu events, %.4g J\n",
         aimc_kernel_now(aimc_engine_kernel(e)) * 1e-6, p.events,
         aimc_engine_energy_total(e));
  printf("my probe: net %s got %lu values, the last at %.3f ns:",
         d->net[net].name, p.drives, p.last_fs * 1e-6);
  const double *v = aimc_engine_net_value(e, net);
  for (int i = 0; i < d->net[net].width; i++) printf(" %g", v[i]);
  printf("\n");
  for (size_t i = 0; i < aimc_engine_n_inst(e); i++) {
    aimc_inst *inst = aimc_engine_inst(e, i);
    size_t n = aimc_probe_count(inst);
    if (!aimc_probe_is(inst) || n == 0) continue;
    aimc_time t;
    const double *r;
    aimc_probe_record(inst, n - 1, &t, &r);
    printf("probe %s: %zu records, the last at %.3f ns:", aimc_inst_name(inst), n,
           t * 1e-6);
    for (int k = 0; k < aimc_probe_width(inst); k++) printf(" %g", r[k]);
    printf("\n");
  }
done:
  aimc_engine_free(e);
  aimc_design_free(ctx, d);
  return st;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: %s NETLIST.yaml [NET]\n", argv[0]);
    return 2;
  }
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  if (!ctx) return 1;
  int st = run(ctx, argv[1], argc > 2 ? argv[2] : NULL);
  if (st) fprintf(stderr, "netlist_probe: %s\n", aimc_ctx_errmsg(ctx));
  aimc_ctx_free(ctx);
  return aimc_status_exit_code(st);
}
