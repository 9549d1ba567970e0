/* One test per netlist mistake, each with the exact message expected: the
 * file:line:col of every message is counted by hand in the YAML written
 * next to it (lines and columns from 1). Run under ASan by the sanitizer
 * build; the fault-injection test checks no allocation path leaks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/netlist.h"
#include "aimc/status.h"
#include "failalloc.h"
#include "testutil.h"

/* A probe reading a source of width 2: the smallest valid netlist, used as
 * the base that each case breaks in one place. */
#define SRC "  src: {model: source, params: {n: 2, values: \"1 2\"}}\n"
#define PRB "  p: {model: probe, params: {n: 2}}\n"

static void expect_text(const char *text, int status, const char *expected) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d = (aimc_design *)1;
  int rc = aimc_netlist_parse(ctx, "n.yaml", text, NULL, &d);
  const char *msg = aimc_ctx_errmsg(ctx);
  if (rc != status || strcmp(msg, expected))
    fail_msg("status %d (want %d)\n got: %s\nwant: %s", rc, status, msg, expected);
  assert_null(d);
  aimc_ctx_free(ctx);
}

static void test_valid_base(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d;
  const char *text = "instances:\n" SRC PRB "nets:\n  x: [src.out, p.in]\n";
  assert_int_equal(aimc_netlist_parse(ctx, "n.yaml", text, NULL, &d), AIMC_OK);
  assert_int_equal(d->n_inst, 2);
  assert_int_equal(d->n_net, 1);
  assert_int_equal(d->net[0].width, 2);
  assert_int_equal(d->net[0].driver, aimc_design_find_inst(d, "src"));
  assert_int_equal(d->inst[aimc_design_find_inst(d, "p")].port_net[0], 0);
  aimc_design_free(ctx, d);
  aimc_ctx_free(ctx);
}

static void test_syntax(void **state) {
  (void)state;
  /* The flow map opened at 2:8 is never closed; libyaml notices at 3:1. */
  expect_text("instances:\n  src: {model: source\n", AIMC_EPARSE,
              "n.yaml:3:1: YAML syntax error: did not find expected ',' or '}' while "
              "parsing a flow mapping started at line 2");
}

static void test_unknown_keys(void **state) {
  (void)state;
  expect_text("instances:\n" SRC PRB "nets:\n  x: [src.out, p.in]\nwires: {}\n", AIMC_EINVAL,
              "n.yaml:6:1: netlist: unknown key 'wires' (valid keys: name, doc, meta, include, "
              "clock, params, subckts, instances, nets)");
  /* 'modle' is the key at line 2, column 9 (after "  src: {"). */
  expect_text("instances:\n  src: {modle: source}\n", AIMC_EINVAL,
              "n.yaml:2:9: instance 'src': unknown key 'modle' (valid keys: model, subckt, "
              "card, params, count, open, doc)");
  /* A model parameter that does not exist: 'nn' at 2:33. */
  expect_text("instances:\n  src: {model: source, params: {nn: 2}}\n", AIMC_EINVAL,
              "n.yaml:2:33: instance 'src' (source): unknown key 'nn' (valid keys: n, values, "
              "file, period, start, repeat)");
}

static void test_unknown_model(void **state) {
  (void)state;
  /* The model name starts at 2:14. The list is the registry's, which at
   * least holds source and probe (checked by substring below). */
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d;
  assert_int_equal(aimc_netlist_parse(ctx, "n.yaml", "instances:\n  x: {model: sorce}\n", NULL, &d),
                   AIMC_ENOTFOUND);
  const char *msg = aimc_ctx_errmsg(ctx);
  const char *head = "n.yaml:2:14: unknown model 'sorce' (models: ";
  assert_int_equal(strncmp(msg, head, strlen(head)), 0);
  assert_non_null(strstr(msg, "source"));
  assert_non_null(strstr(msg, "probe"));
  aimc_ctx_free(ctx);
}

static void test_wrong_type(void **state) {
  (void)state;
  /* n: expects a scalar; a mapping starts at 2:36. */
  expect_text("instances:\n  src: {model: source, params: {n: {a: 1}}}\n", AIMC_EINVAL,
              "n.yaml:2:36: instance 'src' (source): n expects an integer, got a mapping");
  expect_text("instances: [a, b]\n", AIMC_EINVAL, "n.yaml:1:12: instances: expected a mapping, got a sequence");
}

static void test_range_and_unit(void **state) {
  (void)state;
  /* period's range comes from source.c's table: [0s, 1s]; 2s at 2:41. */
  expect_text("instances:\n  src: {model: source, params: {period: 2s, n: 2, values: \"1 2\"}}\n",
              AIMC_ERANGE,
              "n.yaml:2:41: instance 'src' (source): period = 2s is out of range [1fs, 1s]");
  /* A conductance where a time is expected. */
  expect_text("instances:\n  src: {model: source, params: {period: 10uS}}\n", AIMC_EUNIT,
              "n.yaml:2:41: instance 'src' (source): period: unit mismatch: '10uS' is a "
              "conductance (S), expected a time in s");
  expect_text("clock: {period: 1V}\ninstances:\n" SRC, AIMC_EUNIT,
              "n.yaml:1:17: clock: period: unit mismatch: '1V' is a voltage (V), expected a "
              "time in s");
  /* n: 0 is below the table's minimum 1. */
  expect_text("instances:\n  p: {model: probe, params: {n: 0}}\n", AIMC_ERANGE,
              "n.yaml:2:33: instance 'p' (probe): n = 0 is out of range [1, 1048576]");
}

static void test_dangling(void **state) {
  (void)state;
  /* Nothing drives x: only a probe input sits on it. Net key at 4:3. */
  expect_text("instances:\n" PRB "nets:\n  x: [p.in]\n", AIMC_EINVAL,
              "n.yaml:4:3: net 'x' is dangling: nothing drives it (read by p.in); drive it "
              "from an output port or mark it `external: true`");
  expect_text("instances:\n" SRC "nets:\n  x: [src.out]\n", AIMC_EINVAL,
              "n.yaml:4:3: net 'x' is dangling: driven by src.out but nothing reads it; "
              "connect an input (e.g. a probe) or mark it `external: true`");
  /* external: true accepts a net with no driver. */
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d;
  assert_int_equal(aimc_netlist_parse(ctx, "n.yaml",
                                      "instances:\n" PRB "nets:\n  x: {connect: [p.in], external: true}\n",
                                      NULL, &d),
                   AIMC_OK);
  assert_int_equal(d->net[0].driver, -1);
  aimc_design_free(ctx, d);
  aimc_ctx_free(ctx);
}

static void test_doubly_driven(void **state) {
  (void)state;
  expect_text("instances:\n" SRC "  s2: {model: source, params: {n: 2, values: \"3 4\"}}\n" PRB
              "nets:\n  x: [src.out, s2.out, p.in]\n",
              AIMC_EINVAL, "n.yaml:6:3: net 'x' is driven twice: by src.out and by s2.out");
}

static void test_width_and_kind(void **state) {
  (void)state;
  expect_text("instances:\n" SRC "  p: {model: probe, params: {n: 3}}\nnets:\n  x: [src.out, p.in]\n",
              AIMC_ESHAPE,
              "n.yaml:5:3: net 'x': width mismatch: src.out has width 2 but p.in has width 3");
  expect_text("instances:\n" SRC PRB "nets:\n  x: {connect: [src.out, p.in], width: 4}\n",
              AIMC_ESHAPE, "n.yaml:5:3: net 'x' is declared with width 4 but src.out has width 2");
  expect_text("instances:\n" SRC PRB "nets:\n  x: {connect: [src.out, p.in], kind: current}\n",
              AIMC_ESHAPE, "n.yaml:5:3: net 'x' is declared current but src.out is digital");
  /* A DAC's voltage output into a probe's digital input (needs the dac
   * model of models/; the net y is written at 6:3). */
  if (!aimc_models_find("dac")) return;
  expect_text("instances:\n" SRC "  d: {model: dac, params: {n: 2}}\n" PRB
              "nets:\n  x: [src.out, d.in]\n  y: [d.out, p.in]\n",
              AIMC_ESHAPE, "n.yaml:7:3: net 'y': kind mismatch: d.out is voltage but p.in is digital");
}

static void test_port_errors(void **state) {
  (void)state;
  /* p.in is not connected: reported at the instance (3:3). */
  expect_text("instances:\n" SRC PRB "nets:\n  x: {connect: [src.out], external: true}\n",
              AIMC_EINVAL,
              "n.yaml:3:3: port 'in' of instance 'p' (probe) is not connected; connect it in "
              "nets: or list it under open:");
  /* p.in on two nets: the second endpoint, line 6 col 16. */
  expect_text("instances:\n" SRC "  s2: {model: source, params: {n: 2, values: \"3 4\"}}\n" PRB
              "nets:\n  x: [src.out, p.in]\n  y: [s2.out, p.in]\n",
              AIMC_EINVAL,
              "n.yaml:7:15: port p.in is connected twice (also to net 'x' at line 6)");
  expect_text("instances:\n" SRC PRB "nets:\n  x: [src.out, p.input]\n", AIMC_EINVAL,
              "n.yaml:5:16: model 'probe' has no port 'input' (ports: in)");
  expect_text("instances:\n" SRC PRB "nets:\n  x: [src.out, q.in]\n", AIMC_EINVAL,
              "n.yaml:5:16: endpoint 'q.in': no instance 'q' here (instances: src, p)");
  expect_text("instances:\n" SRC PRB "nets:\n  x: [src.out, in]\n", AIMC_EINVAL,
              "n.yaml:5:16: endpoint 'in' must be instance.port (bare names are subckt ports)");
}

/* Port arrays (aimc/model.h): gather's in[k], one element per item of
 * its widths; out of range, without an index, an index on a port that is
 * not an array, a malformed widths list, an element left unconnected. */
static void test_port_arrays(void **state) {
  (void)state;
#define GATHER "  g: {model: gather, params: {n: 2, widths: \"2,1*2\", map: g.csv}}\n"
#define S3 "  s3: {model: source, params: {n: 1, values: \"1\"}}\n"
  const char *head = "instances:\n" SRC S3 GATHER PRB "nets:\n  y: [g.out, p.in]\n";
  char text[1024];
  snprintf(text, sizeof text, "%s  x: [src.out, \"g.in[0]\"]\n  z: [s3.out, \"g.in[1]\"]\n"
           "  w: {connect: [\"g.in[3]\"], external: true}\n", head);
  expect_text(text, AIMC_ERANGE,
              "n.yaml:10:17: endpoint: port in[3] out of range: instance 'g' (gather) has "
              "in[0] .. in[2] (its widths)");
  snprintf(text, sizeof text, "%s  x: [src.out, g.in]\n", head);
  expect_text(text, AIMC_EINVAL,
              "n.yaml:8:16: endpoint: port 'in' of instance 'g' (gather) is a port array of 3: "
              "name one element, in[0] .. in[2]");
  snprintf(text, sizeof text, "%s  x: [\"src.out[0]\", \"g.in[0]\"]\n", head);
  expect_text(text, AIMC_EINVAL,
              "n.yaml:8:7: endpoint: port 'out' of instance 'src' (source) is not a port "
              "array: name it without [k]");
  snprintf(text, sizeof text, "%s  x: [src.out, \"g.in[0]\"]\n  z: [s3.out, \"g.in[1]\"]\n",
           head);
  expect_text(text, AIMC_EINVAL,
              "n.yaml:4:3: port 'in[2]' of instance 'g' (gather) is not connected; connect it "
              "in nets: or list it under open:");
  expect_text("instances:\n  g: {model: gather, params: {n: 2, widths: \"2,,1\"}}\n",
              AIMC_ERANGE,
              "n.yaml:2:3: instance 'g' (gather): widths '2,,1' is not a list of port widths "
              "(W or W*N, W and N >= 1, comma-separated)");
#undef GATHER
#undef S3
}

static void test_names(void **state) {
  (void)state;
  /* count: 2 makes p0 and p1; an explicit p1 collides (key at 4:3). */
  expect_text("instances:\n  p: {model: probe, count: 2}\n  q: {model: probe}\n  p1: {model: probe}\n",
              AIMC_EINVAL, "n.yaml:4:3: duplicate instance name 'p1' (also at line 2)");
  expect_text("instances:\n  a.b: {model: probe}\n", AIMC_EINVAL,
              "n.yaml:2:3: instance name 'a.b' must be letters, digits and '_' (not starting "
              "with a digit)");
  /* YAML itself: a duplicate key. */
  expect_text("instances:\n" PRB PRB, AIMC_EPARSE,
              "n.yaml:3:3: duplicate key 'p' (first defined at line 2)");
}

static void test_expressions(void **state) {
  (void)state;
  expect_text("instances:\n  p: {model: probe, params: {n: \"${width}\"}}\n", AIMC_EINVAL,
              "n.yaml:2:33: unknown parameter 'width' in ${...} (defined here: none)");
  expect_text("params: {a: \"${b}\", b: \"${a}\"}\ninstances:\n  p: {model: probe, params: {n: \"${a}\"}}\n",
              AIMC_EINVAL,
              "n.yaml:3:33: parameters refer to each other in a cycle (expansion of '${b}' nested "
              "deeper than 32)");
  expect_text("params: {w: 2}\ninstances:\n  p: {model: probe, params: {n: \"${w / 0}\"}}\n",
              AIMC_EPARSE, "n.yaml:3:33: ${w / 0}: division by zero");
  expect_text("params: {w: 2uS}\ninstances:\n  p: {model: probe, params: {n: \"${w + 1}\"}}\n",
              AIMC_EPARSE, "n.yaml:3:33: ${w + 1}: 'w' = '2uS' is not a plain number");
  /* Arithmetic that works: (3 + 1) * 2 = 8. */
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d;
  assert_int_equal(aimc_netlist_parse(ctx, "n.yaml",
                                      "params: {w: 3}\ninstances:\n  p: {model: probe, params: "
                                      "{n: \"${(w + 1) * 2}\"}, open: [in]}\n",
                                      NULL, &d),
                   AIMC_OK);
  assert_int_equal(d->inst[0].port_net[0], -1);
  const aimc_param *n = aimc_params_find(d->inst[0].model->params, d->inst[0].model->n_params, "n");
  assert_int_equal((int)aimc_param_get(n, d->inst[0].params), 8);
  aimc_design_free(ctx, d);
  aimc_ctx_free(ctx);
}

static void test_subckt_errors(void **state) {
  (void)state;
  expect_text("instances:\n  t: {subckt: tile}\n", AIMC_ENOTFOUND,
              "n.yaml:2:15: unknown subckt 'tile' (subckts: none defined)");
  /* a instantiates b, b instantiates a: found when b (at 4:31) would
   * expand a again. */
  expect_text("subckts:\n"
              "  a: {instances: {x: {subckt: b}}}\n"
              "  b: {instances: {y: {subckt: a}}}\n"
              "instances:\n  top: {subckt: a}\n",
              AIMC_EINVAL, "n.yaml:3:31: recursive subcircuit: a -> b -> a");
  /* A port the subckt never uses inside (its name at 2:19). */
  expect_text("subckts:\n  s: {ports: [in, out], instances: {p: {model: probe}}, nets: {x: [in, p.in]}}\n"
              "instances:\n" SRC "  t: {subckt: s}\nnets:\n  x: [src.out, t.in]\n",
              AIMC_EINVAL, "n.yaml:2:19: port 'out' of subckt 's' is not connected to anything inside it");
  expect_text("subckts:\n  s: {params: {n: 2}, ports: [in], instances: {p: {model: probe}}, nets: {x: [in, p.in]}}\n"
              "instances:\n  t: {subckt: s, params: {m: 3}}\n",
              AIMC_EINVAL,
              "n.yaml:4:27: instance 't' (subckt s) params: subckt 's' has no parameter 'm' "
              "(parameters: n)");
}

/* Include cycle and cards need real files. */
static void test_files(void **state) {
  (void)state;
  const char *dir = test_tmpdir("netlist");
  char *a = test_write_file(dir, "a.yaml", "include: [b.yaml]\ninstances:\n" PRB);
  char *b = test_write_file(dir, "b.yaml", "include: c.yaml\n");
  char *c = test_write_file(dir, "c.yaml", "doc: closes the loop\ninclude: [b.yaml]\n");
  char *card = test_write_file(dir, "wide.yaml", "model: probe\nn: 5\nbogus: 1\n");
  char *net = test_write_file(dir, "n.yaml",
                              "instances:\n  p: {model: probe, card: wide.yaml, open: [in]}\n");
  char *miss = test_write_file(dir, "m.yaml",
                               "instances:\n  p: {model: probe, card: nowhere.yaml}\n");
  char *wrong = test_write_file(dir, "w.yaml",
                                "instances:\n  s: {model: source, card: wide.yaml}\n");
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d;
  char want[2048];

  assert_int_equal(aimc_netlist_load(ctx, a, &d), AIMC_EINVAL);
  /* The include of b.yaml inside c.yaml (line 2, col 11) closes the loop. */
  snprintf(want, sizeof want, "%s/c.yaml:2:11: include cycle: b.yaml -> c.yaml -> b.yaml", dir);
  assert_string_equal(aimc_ctx_errmsg(ctx), want);

  assert_int_equal(aimc_netlist_load(ctx, net, &d), AIMC_EINVAL);
  snprintf(want, sizeof want,
           "%s/wide.yaml:3:1: card %s/wide.yaml: unknown key 'bogus' (valid keys: n, file)", dir, dir);
  assert_string_equal(aimc_ctx_errmsg(ctx), want);

  assert_int_equal(aimc_netlist_load(ctx, miss, &d), AIMC_ENOTFOUND);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "m.yaml:2:27: cannot find 'nowhere.yaml'"));

  assert_int_equal(aimc_netlist_load(ctx, wrong, &d), AIMC_EINVAL);
  snprintf(want, sizeof want, "%s/w.yaml:2:28: card 'wide.yaml' is for model 'probe', not 'source'", dir);
  assert_string_equal(aimc_ctx_errmsg(ctx), want);

  assert_int_equal(aimc_netlist_load(ctx, "/nonexistent/x.yaml", &d), AIMC_ENOTFOUND);
  assert_string_equal(aimc_ctx_errmsg(ctx),
                      "/nonexistent/x.yaml: cannot open: No such file or directory");
  /* A directory named as a card: exit-code-2 status, located at the card:. */
  char *dircard = test_write_file(dir, "dc.yaml", "instances:\n  s: {model: source, card: /}\n");
  assert_int_equal(aimc_netlist_load(ctx, dircard, &d), AIMC_EINVAL);
  snprintf(want, sizeof want, "%s/dc.yaml:2:28: /: is a directory, not a file", dir);
  assert_string_equal(aimc_ctx_errmsg(ctx), want);
  free(dircard);

  /* A card that binds: n = 5 from the card, then the override wins. */
  char *good_card = test_write_file(dir, "five.yaml", "model: probe\nsource: test card\nn: 5\n");
  char *good = test_write_file(dir, "g.yaml",
                               "instances:\n  p: {model: probe, card: five.yaml, open: [in]}\n"
                               "  q: {model: probe, card: five.yaml, params: {n: 7}, open: [in]}\n");
  assert_int_equal(aimc_netlist_load(ctx, good, &d), AIMC_OK);
  const aimc_param *n = aimc_params_find(d->inst[0].model->params, d->inst[0].model->n_params, "n");
  assert_int_equal((int)aimc_param_get(n, d->inst[0].params), 5);
  assert_int_equal((int)aimc_param_get(n, d->inst[1].params), 7);
  assert_int_equal(d->n_files, 2); /* the netlist and the card, read once */
  assert_string_equal(d->inst[0].loc.file, d->files[0]);
  aimc_design_free(ctx, d);

  for (char **p = (char *[]){a, b, c, card, net, miss, wrong, good_card, good, NULL}; *p; p++) free(*p);
  aimc_ctx_free(ctx);
}

static void test_defines(void **state) {
  (void)state;
  const char *text = "params: {array: {rows: 2}}\ninstances:\n  p: {model: probe, params: {n: "
                     "\"${array.rows}\"}, open: [in]}\n";
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d;
  const char *defs[] = {"array.rows=6"};
  aimc_netlist_opts o = {defs, 1, NULL, NULL};
  assert_int_equal(aimc_netlist_parse(ctx, "n.yaml", text, &o, &d), AIMC_OK);
  const aimc_param *n = aimc_params_find(d->inst[0].model->params, d->inst[0].model->n_params, "n");
  assert_int_equal((int)aimc_param_get(n, d->inst[0].params), 6);
  aimc_design_free(ctx, d);
  const char *bad[] = {"array.cols=6"};
  aimc_netlist_opts ob = {bad, 1, NULL, NULL};
  assert_int_equal(aimc_netlist_parse(ctx, "n.yaml", text, &ob, &d), AIMC_EINVAL);
  assert_string_equal(aimc_ctx_errmsg(ctx),
                      "-D: 'array.cols' is not a parameter of the netlist (params: array.rows)");
  aimc_ctx_free(ctx);
}

static void test_validate(void **state) {
  (void)state;
  /* source.validate: 3 numbers for n = 2; reported at the instance (2:3). */
  expect_text("instances:\n  src: {model: source, params: {n: 2, values: \"1 2 3\"}}\n", AIMC_ESHAPE,
              "n.yaml:2:3: instance 'src' (source): values: vector 1 has 3 numbers, expected n = 2");
}

/* A hierarchical netlist exercising every allocation path. */
static const char *HIER =
    "params: {array: {rows: 3}}\n"
    "subckts:\n"
    "  stage:\n"
    "    params: {n: 2}\n"
    "    ports: [in, out]\n"
    "    instances:\n"
    "      p: {model: probe, params: {n: \"${n}\"}}\n"
    "      s: {model: source, params: {n: \"${n}\", values: \"${n*2} 0 0\"}}\n"
    "    nets:\n"
    "      a: [in, p.in]\n"
    "      b: [s.out, out]\n"
    "instances:\n"
    "  src: {model: source, params: {n: \"${array.rows}\", values: \"1 2 3\"}}\n"
    "  st: {subckt: stage, count: 2, params: {n: \"${array.rows}\"}}\n"
    "  pr: {model: probe, count: 2, params: {n: 3}}\n"
    "nets:\n"
    "  x: [src.out, st*.in]\n"
    "  y: {count: 2, connect: [\"st${i}.out\", \"pr${i}.in\"]}\n";

static void test_hierarchy(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d;
  assert_int_equal(aimc_netlist_parse(ctx, "h.yaml", HIER, NULL, &d), AIMC_OK);
  /* src + 2 x (p, s) + 2 probes = 7 instances; x, y0, y1 = 3 nets (the
   * inner a/b nets merge with the outer ones and take their names). */
  assert_int_equal(d->n_inst, 7);
  assert_int_equal(d->n_net, 3);
  assert_int_equal(d->n_block, 2);
  assert_string_equal(d->block[1].name, "st1");
  assert_string_equal(d->block[1].subckt, "stage");
  int p1 = aimc_design_find_inst(d, "st1.p");
  assert_true(p1 >= 0);
  assert_string_equal(d->inst[p1].subckt, "stage");
  int x = aimc_design_find_net(d, "x"), y1 = aimc_design_find_net(d, "y1");
  assert_int_equal(d->inst[p1].port_net[0], x);
  assert_int_equal(d->net[y1].driver, aimc_design_find_inst(d, "st1.s"));
  assert_int_equal(d->inst[aimc_design_find_inst(d, "pr1")].port_net[0], y1);
  assert_int_equal(d->net[x].width, 3);
  aimc_design_free(ctx, d);
  aimc_ctx_free(ctx);
}

static int load_hier(aimc_ctx *ctx, void *user) {
  aimc_design *d;
  int rc = aimc_netlist_parse(ctx, "h.yaml", user, NULL, &d);
  aimc_design_free(ctx, d);
  return rc;
}

static void test_fault_injection(void **state) {
  (void)state;
  assert_true(failalloc_sweep(load_hier, (void *)HIER) > 20);
}

/* A loop of instances that passes no sequential model never settles and
 * is refused where its first instance is written; the same loop through
 * a register (sample_hold) loads. */
static void test_loop_without_register(void **state) {
  (void)state;
  expect_text("instances:\n"
              "  a: {model: digital, params: {n_in: 2, n_out: 2}}\n"
              "  b: {model: digital, params: {n_in: 2, n_out: 2}}\n"
              "nets:\n  x: [a.out, b.in]\n  y: [b.out, a.in]\n",
              AIMC_EINVAL,
              "n.yaml:2:3: the instances a -> b -> a form a loop with no register in it (a "
              "sequential model such as sample_hold, buffer or write_verify holds a loop's "
              "value from one step to the next; aimc models --describe says which are); it "
              "would never settle");
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d = NULL;
  const char *held = "instances:\n"
                     "  a: {model: digital, params: {n_in: 2, n_out: 2}}\n"
                     "  h: {model: sample_hold, params: {n: 2}}\n"
                     "nets:\n  x: [a.out, h.in]\n  y: [h.out, a.in]\n";
  if (aimc_netlist_parse(ctx, "n.yaml", held, NULL, &d)) fail_msg("%s", aimc_ctx_errmsg(ctx));
  aimc_design_free(ctx, d);
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid_base),
      cmocka_unit_test(test_loop_without_register),
      cmocka_unit_test(test_syntax),
      cmocka_unit_test(test_unknown_keys),  cmocka_unit_test(test_unknown_model),
      cmocka_unit_test(test_wrong_type),    cmocka_unit_test(test_range_and_unit),
      cmocka_unit_test(test_dangling),      cmocka_unit_test(test_doubly_driven),
      cmocka_unit_test(test_width_and_kind), cmocka_unit_test(test_port_errors),
      cmocka_unit_test(test_names),         cmocka_unit_test(test_expressions),
      cmocka_unit_test(test_subckt_errors), cmocka_unit_test(test_files),
      cmocka_unit_test(test_defines),       cmocka_unit_test(test_validate),
      cmocka_unit_test(test_port_arrays),
      cmocka_unit_test(test_hierarchy),     cmocka_unit_test(test_fault_injection),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
