/*
 * `runc update`: new resources for a running container, judged as create
 * judged its spec.  The update's members are put over the container spec's
 * linux.resources (runc changes what the update names and keeps the rest)
 * and the result is checked; what the checks find under linux.resources
 * is the update's doing.  An update is not hardened (runc applies what it
 * is given): a finding that hardening would have fixed refuses it, as one
 * that rejects does; under a control in warn mode it is a warning.
 */
#include "config.h"
#include "internal.h"

#include <string.h>

#define RESOURCES "/linux/resources"

/* The update's member over the container's: objects member by member. */
static void put_over(struct jtree *t, struct jnode *into, const struct jnode *m) {
  if (m->type != J_OBJECT) {
    jt_set(t, into, m->key, (struct jnode *)m);
    return;
  }
  struct jnode *obj = jt_member(t, into, m->key, J_OBJECT);
  jv_foreach(m, f) jt_set(t, obj, f->key, (struct jnode *)f);
}

/* The checks' findings under linux.resources, an update's verdicts. */
static int update_findings(const shim_report *all, shim_report *out) {
  for (size_t i = 0; i < shim_report_count(all); i++) {
    const shim_finding *f = shim_report_get(all, i);
    if (strncmp(f->pointer, RESOURCES, strlen(RESOURCES)) != 0)
      continue;
    char msg[1024];
    bool refused = f->verdict == SHIM_VERDICT_HARDEN;
    snprintf(msg, sizeof msg, "%s%s", f->message,
             refused ? " (an update is applied as given, never hardened)" : "");
    if (report_add(out, f->control, refused ? SHIM_VERDICT_REJECT : f->verdict, f->pointer,
                   f->k8s, msg) < 0)
      return -SHIM_ERR_NOMEM;
  }
  return 0;
}

int shim_check_update(const shim_policy *policy, const shim_spec *container,
                      const void *resources, size_t len, shim_report **report,
                      shim_error *err) {
  if (!policy || !container || !resources || !report)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no policy, spec, resources or output pointer");
  *report = NULL;
  _cleanup_(jtree_free) struct jtree update = {0}, doc = {0};
  int ret = jtree_parse(resources, len, &update, err);
  if (ret < 0 || (ret = schema_validate_resources(update.nodes, err)) < 0 ||
      (ret = jtree_copy(&container->tree, &doc, err)) < 0)
    return ret;
  struct jnode *linux_ = jt_member(&doc, doc.nodes, "linux", J_OBJECT);
  struct jnode *into = jt_member(&doc, linux_, "resources", J_OBJECT);
  jv_foreach(update.nodes, m) put_over(&doc, into, m);
  _cleanup_free_ char *text = NULL;
  if (doc.failed)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  if ((ret = json_render_tree(doc.nodes, false, &text, err)) < 0)
    return ret;
  shim_spec *spec = NULL;
  shim_report *all = NULL;
  if ((ret = shim_spec_load_data(text, strlen(text), &spec, err)) == 0 &&
      (ret = spec_copy_facts(spec, container, err)) == 0)
    ret = shim_check(policy, spec, &all, err);
  shim_spec_free(spec);
  if (ret < 0)
    return ret;
  *report = report_new();
  if (!*report || update_findings(all, *report) < 0) {
    shim_report_free(all);
    shim_report_free(*report);
    *report = NULL;
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  shim_report_free(all);
  return shim_report_verdict(*report) == SHIM_VERDICT_REJECT
             ? error_set(err, SHIM_ERR_REJECTED, RESOURCES, "the update is refused")
             : 0;
}
