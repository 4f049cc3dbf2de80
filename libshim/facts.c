/*
 * Host facts: the caller's answers about the host (shim_spec_set_facts),
 * kept with the spec, sorted, for the checks and hardening to look up.
 * Nothing here looks at the host: what a fact says is what the caller
 * found (see the questions in questions.c).
 */
#include "config.h"
#include "internal.h"

#include <stdio.h>
#include <string.h>

int fact_cmp(const shim_fact *a, const shim_fact *b) {
  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  if (a->ns_type != b->ns_type)
    return a->ns_type < b->ns_type ? -1 : 1;
  return strcmp(a->path, b->path);
}

static int fact_qsort_cmp(const void *a, const void *b) { return fact_cmp(a, b); }

void facts_sort(shim_fact *facts, size_t count) {
  if (count)
    qsort(facts, count, sizeof *facts, fact_qsort_cmp);
}

void spec_free_facts(shim_spec *spec) {
  for (size_t i = 0; i < spec->nfacts; i++) {
    free((char *)spec->facts[i].path);
    free((char *)spec->facts[i].resolved);
  }
  free(spec->facts);
  spec->facts = NULL;
  spec->nfacts = 0;
}

/* The answered ones among facts[0..count), with copies of their strings,
 * sorted, into spec (whose own are released first). */
static int set_facts(shim_spec *spec, const shim_fact *facts, size_t count,
                     shim_error *err) {
  spec_free_facts(spec);
  size_t n = 0;
  for (size_t i = 0; i < count; i++)
    n += facts[i].answered && facts[i].path;
  shim_fact *own = n ? calloc(n, sizeof *own) : NULL;
  if (n && !own)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  spec->facts = own;
  for (size_t i = 0; i < count; i++) {
    if (!facts[i].answered || !facts[i].path)
      continue;
    shim_fact *f = &own[spec->nfacts++];
    *f = facts[i];
    if (f->kind != SHIM_FACT_NAMESPACE)
      f->ns_type = 0;
    f->sha256[sizeof f->sha256 - 1] = '\0';
    f->path = strdup(facts[i].path);
    f->resolved = facts[i].resolved ? strdup(facts[i].resolved) : NULL;
    if (!f->path || (facts[i].resolved && !f->resolved)) {
      spec_free_facts(spec);
      return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
    }
  }
  facts_sort(spec->facts, spec->nfacts);
  return 0;
}

int shim_spec_set_facts(shim_spec *spec, const shim_fact *facts, size_t count,
                        shim_error *err) {
  if (!spec || (count && !facts))
    return error_set(err, SHIM_ERR_INVAL, NULL, "no spec or facts");
  return set_facts(spec, facts, count, err);
}

int spec_copy_facts(shim_spec *to, const shim_spec *from, shim_error *err) {
  return set_facts(to, from->facts, from->nfacts, err);
}

const shim_fact *spec_fact(const shim_spec *spec, shim_fact_kind kind, const char *path,
                           int ns_type) {
  shim_fact key = {.kind = kind, .path = path,
                   .ns_type = kind == SHIM_FACT_NAMESPACE ? ns_type : 0};
  return spec && path && spec->nfacts
             ? bsearch(&key, spec->facts, spec->nfacts, sizeof key, fact_qsort_cmp)
             : NULL;
}

bool fact_namespace_ok(const shim_fact *f, const char *path, const char *kind,
                       char *why, size_t why_size) {
  if (!f)
    snprintf(why, why_size, "%s: no host facts say what it is", path);
  else if (f->error)
    snprintf(why, why_size, "cannot open %s: %s", path, strerror(f->error));
  else if (!f->ns_found)
    snprintf(why, why_size, "%s is not a %s namespace", path, kind);
  else if (f->host < 0)
    snprintf(why, why_size, "cannot read the host's %s namespace to compare", kind);
  else
    return true;
  return false;
}
