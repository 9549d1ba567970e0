/* YAML documents with source locations: libyaml's document API parses the
 * text, then the tree is copied into our own nodes (allocated through the
 * context, so fault injection reaches every path) and libyaml's is freed.
 *
 * Invariants: every node lives in cfg->nodes; child links live in
 * cfg->links (a sequence's items, or a map's key/value pairs interleaved);
 * scalar texts live in cfg->text; a node's loc.file points at cfg->file.
 * Aliases become shared children (the tree is a DAG); alias cycles are
 * rejected at load, so consumers may recurse freely. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "aimc/config.h"
#include "aimc/fileio.h"
#include "aimc/status.h"
#include "config_internal.h"

static aimc_srcloc mark_loc(const aimc_cfg *cfg, yaml_mark_t m) {
  aimc_srcloc loc = {cfg->file, (int)m.line + 1, (int)m.column + 1};
  return loc;
}

/* A plain (unquoted) scalar that YAML 1.1 reads as null. */
static int is_null_scalar(const yaml_node_t *n) {
  if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
  const char *v = (const char *)n->data.scalar.value;
  return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
         !strcmp(v, "NULL");
}

static size_t node_links(const yaml_node_t *n) {
  if (n->type == YAML_SEQUENCE_NODE)
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
  if (n->type == YAML_MAPPING_NODE)
    return 2 * (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
  return 0;
}

/* Cycle check by depth-first search: 0 unseen, 1 on the path, 2 done. */
static int find_cycle(const aimc_cfg_node *n, const aimc_cfg *cfg,
                      unsigned char *mark) {
  size_t i = (size_t)(n - cfg->nodes);
  if (mark[i] == 1) return 1;
  if (mark[i] == 2) return 0;
  mark[i] = 1;
  for (size_t k = 0; k < n->n_links; k++)
    if (find_cycle(n->links[k], cfg, mark)) return 1;
  mark[i] = 2;
  return 0;
}

static int check_duplicate_keys(aimc_ctx *ctx, const aimc_cfg_node *map) {
  for (size_t i = 0; i < map->len; i++) {
    const aimc_cfg_node *ki = map->links[2 * i];
    if (ki->type != AIMC_CFG_SCALAR)
      return aimc_error_at(ctx, AIMC_EPARSE, &ki->loc,
                           "a mapping key must be a plain scalar");
    for (size_t j = 0; j < i; j++) {
      const aimc_cfg_node *kj = map->links[2 * j];
      if (!strcmp(ki->text, kj->text))
        return aimc_error_at(ctx, AIMC_EPARSE, &ki->loc,
                             "duplicate key '%s' (first defined at line %d)",
                             ki->text, kj->loc.line);
    }
  }
  return AIMC_OK;
}

/* Copies libyaml's document into cfg (sizes already known). */
static int copy_document(aimc_ctx *ctx, aimc_cfg *cfg, yaml_document_t *doc) {
  size_t n_nodes = (size_t)(doc->nodes.top - doc->nodes.start);
  size_t n_links = 0, n_text = 0;
  for (size_t i = 0; i < n_nodes; i++) {
    const yaml_node_t *y = &doc->nodes.start[i];
    n_links += node_links(y);
    if (y->type == YAML_SCALAR_NODE) n_text += y->data.scalar.length + 1;
  }
  cfg->nodes = aimc_calloc(ctx, n_nodes ? n_nodes : 1, sizeof *cfg->nodes);
  cfg->links = aimc_calloc(ctx, n_links ? n_links : 1, sizeof *cfg->links);
  cfg->text = aimc_malloc(ctx, n_text + 1);
  if (!cfg->nodes || !cfg->links || !cfg->text)
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory loading %s", cfg->file);
  cfg->n_nodes = n_nodes;

  const aimc_cfg_node **link = cfg->links;
  char *text = cfg->text;
  for (size_t i = 0; i < n_nodes; i++) {
    const yaml_node_t *y = &doc->nodes.start[i];
    aimc_cfg_node *n = &cfg->nodes[i];
    n->loc = mark_loc(cfg, y->start_mark);
    n->links = link;
    if (y->type == YAML_SCALAR_NODE) {
      n->type = is_null_scalar(y) ? AIMC_CFG_NULL : AIMC_CFG_SCALAR;
      memcpy(text, y->data.scalar.value, y->data.scalar.length);
      text[y->data.scalar.length] = '\0';
      n->text = text;
      text += y->data.scalar.length + 1;
    } else if (y->type == YAML_SEQUENCE_NODE) {
      n->type = AIMC_CFG_SEQ;
      for (yaml_node_item_t *it = y->data.sequence.items.start;
           it < y->data.sequence.items.top; it++)
        *link++ = &cfg->nodes[*it - 1];
      n->len = (size_t)(link - n->links);
    } else {
      n->type = AIMC_CFG_MAP;
      for (yaml_node_pair_t *p = y->data.mapping.pairs.start;
           p < y->data.mapping.pairs.top; p++) {
        *link++ = &cfg->nodes[p->key - 1];
        *link++ = &cfg->nodes[p->value - 1];
      }
      n->len = (size_t)(link - n->links) / 2;
    }
    n->n_links = (size_t)(link - n->links);
  }
  for (size_t i = 0; i < n_nodes; i++)
    if (cfg->nodes[i].type == AIMC_CFG_MAP) {
      int rc = check_duplicate_keys(ctx, &cfg->nodes[i]);
      if (rc) return rc;
    }
  if (n_nodes) {
    unsigned char *mark = aimc_calloc(ctx, n_nodes, 1);
    if (!mark) return aimc_error(ctx, AIMC_ENOMEM, "out of memory loading %s", cfg->file);
    int cyclic = find_cycle(&cfg->nodes[0], cfg, mark);
    aimc_free(ctx, mark);
    if (cyclic)
      return aimc_error_at(ctx, AIMC_EPARSE, &cfg->nodes[0].loc,
                           "recursive YAML alias (a node contains itself)");
  }
  return AIMC_OK;
}

static int syntax_error(aimc_ctx *ctx, const aimc_cfg *cfg,
                        const yaml_parser_t *p) {
  if (p->error == YAML_MEMORY_ERROR)
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory parsing %s", cfg->file);
  aimc_srcloc loc = mark_loc(cfg, p->problem_mark);
  const char *problem = p->problem ? p->problem : "syntax error";
  if (p->context)
    return aimc_error_at(ctx, AIMC_EPARSE, &loc, "YAML syntax error: %s %s started at line %d",
                         problem, p->context, (int)p->context_mark.line + 1);
  return aimc_error_at(ctx, AIMC_EPARSE, &loc, "YAML syntax error: %s", problem);
}

int aimc_cfg_parse(aimc_ctx *ctx, const char *name, const char *text,
                   aimc_cfg **out) {
  *out = NULL;
  aimc_cfg *cfg = aimc_calloc(ctx, 1, sizeof *cfg);
  if (!cfg) return aimc_error(ctx, AIMC_ENOMEM, "out of memory loading %s", name);
  cfg->ctx = ctx;
  cfg->file = aimc_strdup(ctx, name);
  if (!cfg->file) {
    aimc_cfg_free(cfg);
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory loading %s", name);
  }

  yaml_parser_t parser;
  yaml_document_t doc;
  if (!yaml_parser_initialize(&parser)) {
    aimc_cfg_free(cfg);
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory parsing %s", name);
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
  int rc = AIMC_OK;
  if (!yaml_parser_load(&parser, &doc)) {
    rc = syntax_error(ctx, cfg, &parser);
  } else {
    rc = copy_document(ctx, cfg, &doc);
    yaml_document_delete(&doc);
  }
  yaml_parser_delete(&parser);
  if (rc) {
    aimc_cfg_free(cfg);
    return rc;
  }
  if (cfg->n_nodes == 0) {
    /* An empty file is an empty document: a null root at 1:1. */
    cfg->empty.type = AIMC_CFG_NULL;
    cfg->empty.loc = (aimc_srcloc){cfg->file, 1, 1};
    cfg->empty.text = "";
  }
  *out = cfg;
  return AIMC_OK;
}

int aimc_cfg_load(aimc_ctx *ctx, const char *path, aimc_cfg **out) {
  *out = NULL;
  if (access(path, R_OK) != 0)
    return aimc_error(ctx, AIMC_ENOTFOUND, "%s: cannot open file", path);
  char *text = NULL;
  int rc = aimc_read_file(ctx, path, &text, NULL);
  if (rc) return rc;
  rc = aimc_cfg_parse(ctx, path, text, out);
  aimc_free(ctx, text);
  return rc;
}

void aimc_cfg_free(aimc_cfg *cfg) {
  if (!cfg) return;
  aimc_ctx *ctx = cfg->ctx;
  aimc_free(ctx, cfg->nodes);
  aimc_free(ctx, cfg->links);
  aimc_free(ctx, cfg->text);
  aimc_free(ctx, cfg->file);
  aimc_free(ctx, cfg);
}

const char *aimc_cfg_file(const aimc_cfg *cfg) { return cfg->file; }

const aimc_cfg_node *aimc_cfg_root(const aimc_cfg *cfg) {
  return cfg->n_nodes ? &cfg->nodes[0] : &cfg->empty;
}

aimc_cfg_type aimc_cfg_type_of(const aimc_cfg_node *n) { return n->type; }
aimc_srcloc aimc_cfg_loc(const aimc_cfg_node *n) { return n->loc; }

const char *aimc_cfg_scalar(const aimc_cfg_node *n) {
  return n && n->type == AIMC_CFG_SCALAR ? n->text : NULL;
}

const aimc_cfg_node *aimc_cfg_get(const aimc_cfg_node *map, const char *key) {
  if (!map || map->type != AIMC_CFG_MAP) return NULL;
  for (size_t i = 0; i < map->len; i++)
    if (!strcmp(map->links[2 * i]->text, key)) return map->links[2 * i + 1];
  return NULL;
}

size_t aimc_cfg_len(const aimc_cfg_node *n) {
  return n && (n->type == AIMC_CFG_MAP || n->type == AIMC_CFG_SEQ) ? n->len : 0;
}

const aimc_cfg_node *aimc_cfg_at(const aimc_cfg_node *n, size_t i) {
  if (!n || i >= aimc_cfg_len(n)) return NULL;
  return n->type == AIMC_CFG_SEQ ? n->links[i] : n->links[2 * i + 1];
}

const aimc_cfg_node *aimc_cfg_key_node_at(const aimc_cfg_node *map, size_t i) {
  if (!map || map->type != AIMC_CFG_MAP || i >= map->len) return NULL;
  return map->links[2 * i];
}

const char *aimc_cfg_key_at(const aimc_cfg_node *map, size_t i) {
  const aimc_cfg_node *k = aimc_cfg_key_node_at(map, i);
  return k ? k->text : NULL;
}
