/* Real specs, as runc and containerd write them (tests/fixtures/README.md),
 * get the verdict a user would expect. */
#include "config.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

struct expect {
  const char *control;
  shim_verdict verdict;
  const char *k8s; /* NULL: any */
};

static const struct fixture_case {
  const char *file;
  shim_verdict verdict;
  struct expect findings[6];
} cases[] = {
    {"runc-spec.json", SHIM_VERDICT_HARDEN,
     {{"seccomp", SHIM_VERDICT_HARDEN, NULL}, {"run-as-root", SHIM_VERDICT_HARDEN, NULL}}},
    {"ctr-default.json", SHIM_VERDICT_HARDEN,
     {{"seccomp", SHIM_VERDICT_HARDEN, "seccompProfile: Unconfined"},
      {"capabilities", SHIM_VERDICT_HARDEN, NULL},
      {"pids-limit", SHIM_VERDICT_HARDEN, NULL},
      {"run-as-root", SHIM_VERDICT_HARDEN, NULL}}},
    {"ctr-seccomp.json", SHIM_VERDICT_HARDEN,
     {{"capabilities", SHIM_VERDICT_HARDEN, NULL}}},
    {"ctr-privileged.json", SHIM_VERDICT_REJECT,
     {{"capabilities", SHIM_VERDICT_REJECT, "privileged: true"},
      {"host-devices", SHIM_VERDICT_REJECT, "privileged: true"},
      {"proc-unmasked", SHIM_VERDICT_REJECT, "privileged: true"},
      {"kernel-filesystems", SHIM_VERDICT_REJECT, "privileged: true"}}},
    {"ctr-net-host.json", SHIM_VERDICT_REJECT,
     {{"host-namespaces", SHIM_VERDICT_REJECT, "hostNetwork: true"},
      {"host-mounts", SHIM_VERDICT_REJECT, "hostPath volume /etc/hosts"}}},
    {"ctr-host-pid.json", SHIM_VERDICT_REJECT,
     {{"host-namespaces", SHIM_VERDICT_REJECT, NULL}}},
    {"ctr-bind-root.json", SHIM_VERDICT_REJECT,
     {{"host-mounts", SHIM_VERDICT_REJECT, "hostPath volume /"}}},
    {"ctr-socket.json", SHIM_VERDICT_REJECT,
     {{"runtime-sockets", SHIM_VERDICT_REJECT, NULL}}},
};

static bool has(const shim_report *r, const struct expect *e) {
  for (size_t i = 0; i < shim_report_count(r); i++) {
    const shim_finding *f = shim_report_get(r, i);
    if (strcmp(f->control, e->control) == 0 && f->verdict == e->verdict &&
        (!e->k8s || (f->k8s && strcmp(f->k8s, e->k8s) == 0)))
      return true;
  }
  return false;
}

static void test_fixtures(void) {
  shim_policy *policy = NULL;
  CU_ASSERT_FATAL(shim_policy_load_default(&policy, NULL) == 0);
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", FIXTURES_DIR, cases[i].file);
    shim_spec *spec = NULL;
    shim_report *r = NULL;
    shim_error err;
    int ret = shim_spec_load_file(path, &spec, &err);
    if (ret < 0)
      fprintf(stderr, "\n  %s: %s: %s\n", cases[i].file, err.pointer, err.message);
    CU_ASSERT_FATAL(ret == 0);
    CU_ASSERT_FATAL(shim_check(policy, spec, &r, &err) == 0);
    bool ok = shim_report_verdict(r) == cases[i].verdict;
    for (const struct expect *e = cases[i].findings; e->control; e++)
      if (!has(r, e)) {
        fprintf(stderr, "\n  %s: no %s %s finding (%s)", cases[i].file,
                shim_verdict_name(e->verdict), e->control, e->k8s ? e->k8s : "");
        ok = false;
      }
    if (!ok) {
      char *text = NULL;
      shim_report_render(r, SHIM_FORMAT_TEXT, &text, NULL);
      fprintf(stderr, "\n  %s report:\n%s", cases[i].file, text ? text : "");
      free(text);
    }
    CU_ASSERT(ok);
    shim_report_free(r);
    shim_spec_free(spec);
  }
  shim_policy_free(policy);
}

void register_fixture_tests(void) {
  static const struct test_case tests[] = {
      {"fixtures get the expected verdicts", test_fixtures},
  };
  ADD_SUITE("fixtures", tests);
}
