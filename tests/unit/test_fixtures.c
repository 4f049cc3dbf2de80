/* Real specs, as runc and containerd write them (tests/fixtures/README.md),
 * get the verdict a user would expect. */
#include "config.h"
#include "test.h"

#include <pthread.h>
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
     {{"seccomp", SHIM_VERDICT_HARDEN, NULL}, {"user-namespace", SHIM_VERDICT_HARDEN, "hostUsers: true"}}},
    {"ctr-default.json", SHIM_VERDICT_HARDEN,
     {{"seccomp", SHIM_VERDICT_HARDEN, "seccompProfile: Unconfined"},
      {"capabilities", SHIM_VERDICT_HARDEN, NULL},
      {"pids-limit", SHIM_VERDICT_HARDEN, NULL},
      {"user-namespace", SHIM_VERDICT_HARDEN, "hostUsers: true"}}},
    {"ctr-seccomp.json", SHIM_VERDICT_HARDEN,
     {{"capabilities", SHIM_VERDICT_HARDEN, NULL}}},
    {"ctr-privileged.json", SHIM_VERDICT_REJECT,
     {{"capabilities", SHIM_VERDICT_REJECT, "privileged: true"},
      {"host-devices", SHIM_VERDICT_REJECT, "privileged: true"},
      {"proc-unmasked", SHIM_VERDICT_HARDEN, "privileged: true"},
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
    /* containerd 2.1's app container of a hostUsers: false pod, with the
     * runtime-spec 1.3 fields NRI plugins add: all read and judged; the
     * sandbox's process is gone, so its namespaces cannot be verified. */
    {"cri2-userns-nri.json", SHIM_VERDICT_REJECT,
     {{"host-devices", SHIM_VERDICT_REJECT, "a network device (DRA or NRI)"},
      {"user-namespace", SHIM_VERDICT_REJECT, "hostUsers: false"},
      {"seccomp", SHIM_VERDICT_HARDEN, NULL}}},
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
    fixture(cases[i].file, path, sizeof path);
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

/* One policy and one spec shared by threads that only read them (the
 * documented contract): every thread gets the same report. */
struct shared {
  const shim_policy *policy;
  const shim_spec *spec;
  size_t count;
  bool ok;
};

static void *check_many(void *arg) {
  struct shared *s = arg;
  s->ok = true;
  for (int i = 0; i < 200; i++) {
    shim_report *r = NULL;
    if (shim_check(s->policy, s->spec, &r, NULL) < 0 ||
        shim_report_count(r) != s->count)
      s->ok = false;
    shim_report_free(r);
  }
  return NULL;
}

static void test_threads_share_policy_and_spec(void) {
  char path[4096];
  shim_policy *policy = NULL;
  shim_spec *spec = NULL;
  shim_report *r = NULL;
  CU_ASSERT_FATAL(shim_policy_load_default(&policy, NULL) == 0);
  CU_ASSERT_FATAL(shim_spec_load_file(fixture("ctr-net-host.json", path, sizeof path), &spec, NULL) == 0);
  CU_ASSERT_FATAL(shim_check(policy, spec, &r, NULL) == 0);
  struct shared shared[4];
  pthread_t threads[4];
  for (size_t i = 0; i < 4; i++) {
    shared[i] = (struct shared){policy, spec, shim_report_count(r), false};
    CU_ASSERT_FATAL(pthread_create(&threads[i], NULL, check_many, &shared[i]) == 0);
  }
  for (size_t i = 0; i < 4; i++) {
    pthread_join(threads[i], NULL);
    CU_ASSERT(shared[i].ok);
  }
  shim_report_free(r);
  shim_spec_free(spec);
  shim_policy_free(policy);
}

void register_fixture_tests(void) {
  static const struct test_case tests[] = {
      {"fixtures get the expected verdicts", test_fixtures},
      {"threads share a policy and a spec", test_threads_share_policy_and_spec},
  };
  ADD_SUITE("fixtures", tests);
}
