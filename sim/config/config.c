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

#include <yaml.h>

#include "aimc/config.h"
#include "aimc/input.h"
#include "aimc/status.h"
#include "config_internal.h"
#include "sim/core/strmap.h"

/* Maps with more keys than this are checked for duplicates by hashing. */
#define HASH_KEYS_FROM 16

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

static int duplicate_key(aimc_ctx *ctx, const aimc_cfg_node *k, const aimc_cfg_node *first) {
  return aimc_error_at(ctx, AIMC_EPARSE, &k->loc, "duplicate key '%s' (first defined at line %d)",
                       k->text, first->loc.line);
}

/* Small maps are scanned; big ones hashed, so a map of N keys costs O(N). */
static int check_duplicate_keys(aimc_ctx *ctx, const aimc_cfg_node *map) {
  aimc_strmap seen = {0};
  int rc = AIMC_OK;
  for (size_t i = 0; i < map->len && !rc; i++) {
    const aimc_cfg_node *ki = map->links[2 * i];
    if (ki->type != AIMC_CFG_SCALAR)
      rc = aimc_error_at(ctx, AIMC_EPARSE, &ki->loc, "a mapping key must be a plain scalar");
    else if (map->len > HASH_KEYS_FROM) {
      int first;
      rc = aimc_strmap_put(ctx, &seen, ki->text, strlen(ki->text), (int)i, &first);
      if (!rc && first >= 0) rc = duplicate_key(ctx, ki, map->links[2 * (size_t)first]);
    } else {
      for (size_t j = 0; j < i && !rc; j++)
        if (!strcmp(ki->text, map->links[2 * j]->text))
          rc = duplicate_key(ctx, ki, map->links[2 * j]);
    }
  }
  aimc_strmap_fini(ctx, &seen);
  return rc;
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

/* A file is one document: a second one (after `---`) would be silently
 * ignored by every reader, so it is an error at its start. */
static int no_second_document(aimc_ctx *ctx, const aimc_cfg *cfg, yaml_parser_t *p) {
  yaml_document_t doc;
  if (!yaml_parser_load(p, &doc)) return syntax_error(ctx, cfg, p);
  /* "---" with nothing after it is an empty document, not a second one. */
  const yaml_node_t *root = yaml_document_get_root_node(&doc);
  int more = root && !(root->type == YAML_SCALAR_NODE && !root->data.scalar.length &&
                       root->data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
  aimc_srcloc loc = mark_loc(cfg, doc.start_mark);
  yaml_document_delete(&doc);
  if (!more) return AIMC_OK;
  return aimc_error_at(ctx, AIMC_EPARSE, &loc,
                       "a second YAML document: a file holds one document (remove the "
                       "'---' or split the file)");
}

/* YAML text may not hold NUL bytes (libyaml would stop there silently). */
static int no_nul(aimc_ctx *ctx, const char *name, const char *text, size_t size) {
  const char *nul = memchr(text, '\0', size);
  if (!nul) return AIMC_OK;
  int line = 1, col = 1;
  for (const char *c = text; c < nul; c++) {
    if (*c == '\n') line++, col = 1;
    else if (((unsigned char)*c & 0xC0) != 0x80) col++;
  }
  aimc_srcloc loc = {name, line, col};
  return aimc_error_at(ctx, AIMC_EPARSE, &loc,
                       "a NUL byte: this is not a YAML text file (binary data?)");
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
  if (!rc) rc = no_second_document(ctx, cfg, &parser);
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

int aimc_cfg_load_from(aimc_ctx *ctx, const char *path, const aimc_srcloc *from,
                       aimc_cfg **out) {
  *out = NULL;
  char *text = NULL;
  size_t size = 0;
  int rc = aimc_input_read(ctx, path, from, 0, &text, &size);
  if (!rc) rc = no_nul(ctx, path, text, size);
  if (!rc) rc = aimc_cfg_parse(ctx, path, text, out);
  aimc_free(ctx, text);
  return rc;
}

int aimc_cfg_load(aimc_ctx *ctx, const char *path, aimc_cfg **out) {
  return aimc_cfg_load_from(ctx, path, NULL, out);
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
