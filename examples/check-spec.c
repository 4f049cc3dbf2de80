/* A program linking libshim through pkg-config, as an admission check
 * away from the node would:
 *   cc check-spec.c $(pkg-config --cflags --libs libshim) -o check-spec
 *   ./check-spec config.json
 * It answers none of libshim's questions about the host, and lists them
 * ("ask file /run/containerd/containerd.sock"): those paths are judged by
 * name, or rejected where only the node could vouch for them.
 * Exits 0 when the spec is allowed, 1 when rejected, 2 on bad input. */
#include <shim/shim.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CONFIG.json\n", argv[0]);
    return 2;
  }
  shim_error err;
  shim_policy *policy = NULL;
  shim_spec *spec = NULL;
  shim_report *report = NULL;
  shim_fact *questions = NULL;
  size_t n = 0;
  int rc = 2;
  static const char *const kinds[] = {"?", "namespace", "file", "program"};
  if (shim_policy_load_default(&policy, &err) < 0 ||
      shim_spec_load_file(argv[1], &spec, &err) < 0 ||
      shim_spec_questions(policy, spec, &questions, &n, &err) < 0 ||
      shim_check(policy, spec, &report, &err) < 0) {
    fprintf(stderr, "%s: %s%s%s\n", argv[1], err.pointer,
            *err.pointer ? ": " : "", err.message);
  } else {
    for (size_t i = 0; i < n; i++)
      printf("ask %s %s\n", kinds[questions[i].kind <= SHIM_FACT_PROGRAM ? questions[i].kind : 0],
             questions[i].path);
    for (size_t i = 0; i < shim_report_count(report); i++) {
      const shim_finding *f = shim_report_get(report, i);
      printf("%s %s %s\n", shim_verdict_name(f->verdict), f->control, f->pointer);
    }
    rc = shim_report_verdict(report) == SHIM_VERDICT_REJECT ? 1 : 0;
    printf("%s\n", rc ? "rejected" : "allowed");
  }
  free(questions);
  shim_report_free(report);
  shim_spec_free(spec);
  shim_policy_free(policy);
  return rc;
}
