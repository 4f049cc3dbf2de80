/* shim_harden: what it changes, that the result re-checks clean, that it
 * is idempotent, and that it refuses what the checks reject. */
#include "config.h"
#include "test.h"

#include <errno.h>
#include <string.h>

/* Hardens the spec text with the policy (default when NULL); returns the
 * output and the report through the pointers. */
static int harden_text(const char *text, size_t len, const shim_policy *policy, char **out,
                       shim_report **report) {
  shim_policy *own = NULL;
  if (!policy) {
    CU_ASSERT_FATAL(shim_policy_load_default(&own, NULL) == 0);
    policy = own;
  }
  shim_spec *spec = NULL;
  CU_ASSERT_FATAL(shim_spec_load_data(text, len, &spec, NULL) == 0);
  shim_error err;
  int ret = shim_harden(policy, spec, out, report, &err);
  shim_spec_free(spec);
  shim_policy_free(own);
  return ret;
}

static int harden_fixture(const char *name, const shim_policy *policy,
                          char **out, shim_report **report) {
  char *data = NULL;
  size_t len = 0;
  CU_ASSERT_FATAL(read_fixture(name, &data, &len) == 0);
  int ret = harden_text(data, len, policy, out, report);
  free(data);
  return ret;
}

static size_t count_changes(const shim_report *r, const char *control) {
  size_t n = 0;
  for (size_t i = 0; i < shim_report_change_count(r); i++)
    if (strcmp(shim_report_change_get(r, i)->control, control) == 0)
      n++;
  return n;
}

static json_t *parse(const char *text) {
  json_t *doc = json_loads(text, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  return doc;
}

static void test_default_container(void) {
  char *out = NULL;
  shim_report *report = NULL;
  CU_ASSERT_FATAL(harden_fixture("ctr-default.json", NULL, &out, &report) == 0);
  /* NET_RAW, MKNOD, SYS_CHROOT from bounding, effective, permitted */
  CU_ASSERT(count_changes(report, "capabilities") == 9);
  CU_ASSERT(count_changes(report, "seccomp") == 1);
  CU_ASSERT(count_changes(report, "pids-limit") == 1);
  CU_ASSERT(count_changes(report, "host-namespaces") == 1);
  json_t *doc = parse(out);
  json_t *process = json_object_get(doc, "process");
  CU_ASSERT(json_is_true(json_object_get(process, "noNewPrivileges")));
  json_t *caps = json_object_get(process, "capabilities");
  CU_ASSERT_EQUAL(json_array_size(json_object_get(caps, "bounding")), 11);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
                             json_object_get(json_object_get(doc, "linux"), "seccomp"),
                             "defaultAction")),
                         "SCMP_ACT_ERRNO");
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(json_object_get(
                      json_object_get(doc, "linux"), "resources"), "pids"), "limit")),
                  4096);
  /* Untouched fields survive: the rootfs, the args, the mounts. */
  CU_ASSERT_PTR_NOT_NULL(json_object_get(json_object_get(doc, "root"), "path"));
  CU_ASSERT(json_array_size(json_object_get(doc, "mounts")) > 0);
  json_decref(doc);
  free(out);
  shim_report_free(report);
}

/* Hardening the output changes nothing, for every accepted fixture, with
 * the default policy and with seccomp in warn mode (its logged denials
 * overlap containerd's clone rule: found by fuzzing). */
static void harden_twice(const shim_policy *policy, const char *fixture) {
  char *once = NULL, *twice = NULL;
  shim_report *r1 = NULL, *r2 = NULL;
  CU_ASSERT_FATAL(harden_fixture(fixture, policy, &once, &r1) == 0);
  shim_spec *spec = NULL;
  CU_ASSERT_FATAL(shim_spec_load_data(once, strlen(once), &spec, NULL) == 0);
  CU_ASSERT_FATAL(shim_harden(policy, spec, &twice, &r2, NULL) == 0);
  CU_ASSERT_STRING_EQUAL(once, twice);
  CU_ASSERT_EQUAL(shim_report_change_count(r2), 0);
  /* root.path is left alone: shimrun idmaps the checked spec's rootfs. */
  char *data = NULL;
  size_t len = 0;
  shim_spec *orig = NULL;
  CU_ASSERT_FATAL(read_fixture(fixture, &data, &len) == 0);
  CU_ASSERT_FATAL(shim_spec_load_data(data, len, &orig, NULL) == 0);
  CU_ASSERT_PTR_NOT_NULL(shim_spec_root_path(orig));
  if (shim_spec_root_path(orig) && shim_spec_root_path(spec))
    CU_ASSERT_STRING_EQUAL(shim_spec_root_path(orig), shim_spec_root_path(spec));
  shim_spec_free(orig);
  free(data);
  /* Only user-namespace is left, for shimrun's user namespace. */
  for (size_t k = 0; k < shim_report_count(r2); k++)
    CU_ASSERT_STRING_EQUAL(shim_report_get(r2, k)->control, "user-namespace");
  shim_spec_free(spec);
  shim_report_free(r1);
  shim_report_free(r2);
  free(once);
  free(twice);
}

static void test_idempotent(void) {
  static const char *const fixtures[] = {"runc-spec.json", "ctr-default.json",
                                         "ctr-seccomp.json"};
  static const char *const policies[] = {
      "{\"version\":1}",
      "{\"version\":1,\"controls\":{\"seccomp\":{\"mode\":\"warn\"}}}"};
  for (size_t p = 0; p < ARRAY_SIZE(policies); p++) {
    shim_policy *policy = NULL;
    CU_ASSERT_FATAL(shim_policy_load_data(policies[p], strlen(policies[p]),
                                          &policy, NULL) == 0);
    for (size_t i = 0; i < ARRAY_SIZE(fixtures); i++)
      harden_twice(policy, fixtures[i]);
    /* and in the seccomp loader's form (test_loader.c) */
    CU_ASSERT_FATAL(shim_policy_set_seccomp_loader(policy, "/usr/bin/shim-seccomp-loader",
                                                   "/run/shim/seccomp", NULL) == 0);
    for (size_t i = 0; i < ARRAY_SIZE(fixtures); i++)
      harden_twice(policy, fixtures[i]);
    shim_policy_free(policy);
  }
}

/* A spec with no masked or read-only paths (procMount: Unmasked, or a
 * hand-written one) gets the policy's, and re-checks clean. */
static void test_unmasked_masked(void) {
  char *data = NULL;
  size_t len = 0;
  CU_ASSERT_FATAL(read_fixture("runc-spec.json", &data, &len) == 0);
  json_t *doc = json_loadb(data, len, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  json_object_set_new(json_object_get(doc, "linux"), "maskedPaths", json_array());
  json_object_del(json_object_get(doc, "linux"), "readonlyPaths");
  char *text = json_dumps(doc, 0);
  char *out = NULL;
  shim_report *report = NULL;
  CU_ASSERT_FATAL(harden_text(text, strlen(text), NULL, &out, &report) == 0);
  CU_ASSERT(count_findings(report, "proc-unmasked", SHIM_VERDICT_HARDEN, "/linux/maskedPaths") == 1);
  json_t *hard = parse(out);
  json_t *linux_ = json_object_get(hard, "linux");
  size_t masked = json_array_size(json_object_get(linux_, "maskedPaths"));
  size_t ro = json_array_size(json_object_get(linux_, "readonlyPaths"));
  CU_ASSERT(masked > 5 && ro > 3);
  CU_ASSERT_EQUAL(count_changes(report, "proc-unmasked"), masked + ro);
  bool kcore = false;
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(linux_, "maskedPaths"), i, v)
    kcore |= strcmp(json_string_value(v), "/proc/kcore") == 0;
  CU_ASSERT(kcore);
  /* The result is clean: a second hardening changes nothing. */
  char *twice = NULL;
  shim_report *r2 = NULL;
  CU_ASSERT_FATAL(harden_text(out, strlen(out), NULL, &twice, &r2) == 0);
  CU_ASSERT_EQUAL(count_changes(r2, "proc-unmasked"), 0);
  shim_report_free(r2);
  free(twice);
  json_decref(hard);
  free(out);
  shim_report_free(report);
  free(text);
  json_decref(doc);
  free(data);
}

/* Properties no runc field reads are left out of what runc gets: a runc
 * that knew them would act on what was never checked. */
static void test_unknown_left_out(void) {
  static const char text[] =
      "{\"ociVersion\":\"1.0.2\",\"x-vendor\":{\"a\":1},\"process\":{\"args\":[\"sh\"],"
      "\"cwd\":\"/\",\"futureField\":true},\"root\":{\"path\":\"rootfs\"},"
      "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},"
      "{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}],"
      "\"maskedPaths\":[\"/proc/kcore\"]}}";
  char *out = NULL;
  shim_report *report = NULL;
  CU_ASSERT_FATAL(harden_text(text, sizeof text - 1, NULL, &out, &report) == 0);
  CU_ASSERT_PTR_NULL(strstr(out, "x-vendor"));
  CU_ASSERT_PTR_NULL(strstr(out, "futureField"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"cwd\": \"/\""));
  free(out);
  shim_report_free(report);
}

/* runc update, judged against the hardened container as create judged it. */
static void test_update(void) {
  char *hardened = NULL;
  shim_report *r0 = NULL;
  CU_ASSERT_FATAL(harden_fixture("ctr-default.json", NULL, &hardened, &r0) == 0);
  shim_report_free(r0);
  shim_spec *container = NULL;
  CU_ASSERT_FATAL(shim_spec_load_data(hardened, strlen(hardened), &container, NULL) == 0);
  static const struct {
    const char *policy, *resources;
    int ret;
    shim_verdict verdict;
    const char *pointer;
  } cases[] = {
      {NULL, "{}", 0, SHIM_VERDICT_ALLOW, NULL},
      {NULL, "{\"memory\": {\"limit\": 67108864}, \"cpu\": {\"shares\": 512}}", 0,
       SHIM_VERDICT_ALLOW, NULL},
      {NULL, "{\"pids\": {\"limit\": 100}}", 0, SHIM_VERDICT_ALLOW, NULL},
      {NULL, "{\"pids\": {\"limit\": -1}}", -SHIM_ERR_REJECTED, SHIM_VERDICT_REJECT,
       "/linux/resources/pids"},
      {NULL, "{\"unified\": {\"pids.max\": \"max\"}}", -SHIM_ERR_REJECTED,
       SHIM_VERDICT_REJECT, "/linux/resources/unified/pids.max"},
      {NULL, "{\"unified\": {\"pids.max\": \"200\", \"memory.high\": \"1G\"}}", 0,
       SHIM_VERDICT_ALLOW, NULL},
      {"{\"version\":1,\"controls\":{\"pids-limit\":{\"mode\":\"warn\"}}}",
       "{\"pids\": {\"limit\": -1}}", 0, SHIM_VERDICT_WARN, "/linux/resources/pids"},
      {"{\"version\":1,\"controls\":{\"pids-limit\":{\"mode\":\"off\"}}}",
       "{\"pids\": {\"limit\": -1}}", 0, SHIM_VERDICT_ALLOW, NULL},
      {NULL, "{\"Pids\": {\"limit\": -1}}", -SHIM_ERR_SCHEMA, SHIM_VERDICT_ALLOW, NULL},
      {NULL, "{\"pids\": ", -SHIM_ERR_SYNTAX, SHIM_VERDICT_ALLOW, NULL},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    shim_policy *policy = NULL;
    int loaded = cases[i].policy ? shim_policy_load_data(cases[i].policy,
                                                         strlen(cases[i].policy), &policy, NULL)
                                 : shim_policy_load_default(&policy, NULL);
    CU_ASSERT_FATAL(loaded == 0);
    shim_report *report = NULL;
    shim_error err;
    int ret = shim_check_update(policy, container, cases[i].resources,
                                strlen(cases[i].resources), &report, &err);
    if (ret != cases[i].ret)
      printf("\n  update %s: ret %d, want %d (%s)\n", cases[i].resources, ret, cases[i].ret,
             err.message);
    CU_ASSERT_EQUAL(ret, cases[i].ret);
    if (ret == 0 || ret == -SHIM_ERR_REJECTED) {
      CU_ASSERT_EQUAL(shim_report_verdict(report), cases[i].verdict);
      if (cases[i].pointer)
        CU_ASSERT(count_findings(report, "pids-limit", cases[i].verdict, cases[i].pointer) == 1);
      /* Only the update's findings: none elsewhere in the spec. */
      for (size_t k = 0; k < shim_report_count(report); k++)
        CU_ASSERT(strncmp(shim_report_get(report, k)->pointer, "/linux/resources", 16) == 0);
    } else {
      CU_ASSERT_PTR_NULL(report);
    }
    shim_report_free(report);
    shim_policy_free(policy);
  }
  shim_spec_free(container);
  free(hardened);
}

static void test_rejected(void) {
  char *out = NULL;
  shim_report *report = NULL;
  CU_ASSERT_EQUAL(harden_fixture("ctr-net-host.json", NULL, &out, &report),
                  -SHIM_ERR_REJECTED);
  CU_ASSERT_PTR_NULL(out);
  CU_ASSERT_EQUAL(shim_report_verdict(report), SHIM_VERDICT_REJECT);
  CU_ASSERT(count_findings(report, "host-namespaces", SHIM_VERDICT_REJECT, NULL) > 0);
  shim_report_free(report);
}

/* The spec's own profile (containerd's) is combined with the sandbox's. */
static void test_spec_profile_combined(void) {
  char *out = NULL;
  shim_report *report = NULL;
  CU_ASSERT_FATAL(harden_fixture("ctr-seccomp.json", NULL, &out, &report) == 0);
  json_t *doc = parse(out);
  json_t *seccomp = json_object_get(json_object_get(doc, "linux"), "seccomp");
  char *text = json_dumps(seccomp, 0);
  shim_seccomp *p = NULL;
  CU_ASSERT_FATAL(shim_seccomp_load_data(text, strlen(text), &p, NULL) == 0);
  shim_policy *policy = NULL;
  CU_ASSERT_FATAL(shim_policy_load_default(&policy, NULL) == 0);
  shim_seccomp_decision d;
  /* containerd allows ptrace and io_uring; the sandbox does not. */
  CU_ASSERT(shim_seccomp_explain(policy, p, "ptrace", NULL, 0, &d, NULL) == 0);
  CU_ASSERT_EQUAL(d.errno_value, EPERM);
  CU_ASSERT(shim_seccomp_explain(policy, p, "io_uring_setup", NULL, 0, &d, NULL) == 0);
  CU_ASSERT_EQUAL(d.errno_value, EPERM);
  unsigned long long sigchld = 0x11;
  CU_ASSERT(shim_seccomp_explain(policy, p, "clone", &sigchld, 1, &d, NULL) == 0);
  CU_ASSERT_STRING_EQUAL(d.action_name, "SCMP_ACT_ALLOW");
  shim_seccomp_free(p);
  shim_policy_free(policy);
  free(text);
  json_decref(doc);
  free(out);
  shim_report_free(report);
}

/* libseccomp accepts SCMP_ACT_LOG and SCMP_ACT_KILL_PROCESS only at API
 * level 3, which it reads from the kernel; valgrind does not emulate the
 * seccomp(2) calls behind that, so under valgrind these tests cannot run
 * (the plain and ASan runs of `make check` do run them). */
static bool log_action_available(void) {
  if (seccomp_api_get() >= 3)
    return true;
  fprintf(stderr, "\n  (libseccomp API level %u: SCMP_ACT_LOG unavailable, "
                  "not checked here)\n", seccomp_api_get());
  return false;
}

/* warn mode: the profile still applies, its deliberate denials are logged. */
static void test_seccomp_warn_mode(void) {
  if (!log_action_available())
    return;
  const char *json = "{\"version\":1,\"controls\":{\"seccomp\":{\"mode\":\"warn\"}}}";
  shim_policy *policy = NULL;
  CU_ASSERT_FATAL(shim_policy_load_data(json, strlen(json), &policy, NULL) == 0);
  shim_seccomp_decision d;
  CU_ASSERT(shim_seccomp_explain(policy, NULL, "ptrace", NULL, 0, &d, NULL) == 0);
  CU_ASSERT_STRING_EQUAL(d.action_name, "SCMP_ACT_LOG");
  CU_ASSERT(shim_seccomp_explain(policy, NULL, "clone3", NULL, 0, &d, NULL) == 0);
  CU_ASSERT_EQUAL(d.errno_value, ENOSYS); /* not a deliberate denial */
  char *out = NULL;
  shim_report *report = NULL;
  CU_ASSERT_FATAL(harden_fixture("ctr-default.json", policy, &out, &report) == 0);
  CU_ASSERT(strstr(out, "SCMP_ACT_LOG") != NULL);
  free(out);
  shim_report_free(report);
  shim_policy_free(policy);
}

static void test_ambient_and_kill(void) {
  const char *json = "{\"version\":1,\"controls\":{\"seccomp\":{\"denyAction\":\"kill\"}}}";
  shim_policy *policy = NULL;
  CU_ASSERT_FATAL(shim_policy_load_data(json, strlen(json), &policy, NULL) == 0);
  shim_seccomp_decision d;
  if (log_action_available()) {
    CU_ASSERT(shim_seccomp_explain(policy, NULL, "bpf", NULL, 0, &d, NULL) == 0);
    CU_ASSERT_STRING_EQUAL(d.action_name, "SCMP_ACT_KILL_PROCESS");
  }
  shim_policy_free(policy);

  /* Ambient capabilities go unless the policy keeps them. */
  json_t *doc = json_loads(
      "{\"process\":{\"user\":{\"uid\":1000,\"gid\":1000},\"capabilities\":"
      "{\"bounding\":[\"CAP_CHOWN\"],\"effective\":[\"CAP_CHOWN\"],"
      "\"permitted\":[\"CAP_CHOWN\"],\"ambient\":[\"CAP_CHOWN\"]}},"
      "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},"
      "{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}],"
      "\"maskedPaths\":[\"/proc/kcore\"]}}",
      0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  char *text = json_dumps(doc, 0);
  shim_spec *spec = NULL;
  CU_ASSERT_FATAL(shim_spec_load_data(text, strlen(text), &spec, NULL) == 0);
  CU_ASSERT_FATAL(shim_policy_load_default(&policy, NULL) == 0);
  char *out = NULL;
  shim_report *report = NULL;
  CU_ASSERT_FATAL(shim_harden(policy, spec, &out, &report, NULL) == 0);
  CU_ASSERT(strstr(out, "\"ambient\": []") != NULL);
  CU_ASSERT(strstr(out, "\"bounding\": [\n        \"CAP_CHOWN\"") != NULL);
  /* uid 1000 holds only its ambient capabilities after exec: none. */
  CU_ASSERT(strstr(out, "\"effective\": []") != NULL);
  CU_ASSERT(strstr(out, "\"permitted\": []") != NULL);
  CU_ASSERT(count_changes(report, "capabilities") == 3);
  free(out);
  shim_report_free(report);
  shim_policy_free(policy);
  shim_spec_free(spec);
  free(text);
  json_decref(doc);
}

static void test_rlimits_set(void) {
  const char *json = "{\"version\":1,\"controls\":{\"rlimits\":{\"limits\":"
                     "{\"RLIMIT_NOFILE\":{\"soft\":1024,\"hard\":4096}}}}}";
  shim_policy *policy = NULL;
  CU_ASSERT_FATAL(shim_policy_load_data(json, strlen(json), &policy, NULL) == 0);
  char *out = NULL;
  shim_report *report = NULL;
  /* Set when missing, lowered when above: never above the policy's. */
  CU_ASSERT_FATAL(harden_fixture("ctr-default.json", policy, &out, &report) == 0);
  json_t *doc = parse(out);
  json_t *limits = json_object_get(json_object_get(doc, "process"), "rlimits");
  bool found = false;
  size_t i;
  json_t *r;
  json_array_foreach(limits, i, r) {
    if (strcmp(json_string_value(json_object_get(r, "type")), "RLIMIT_NOFILE") == 0) {
      found = true;
      CU_ASSERT(json_integer_value(json_object_get(r, "hard")) <= 4096);
      CU_ASSERT(json_integer_value(json_object_get(r, "soft")) <= 1024);
    }
  }
  CU_ASSERT(found);
  json_decref(doc);
  free(out);
  shim_report_free(report);
  shim_policy_free(policy);
}

static void test_bad_policy_profile(void) {
  /* Fail closed: a policy naming a profile that cannot be loaded is refused. */
  const char *json = "{\"version\":1,\"controls\":{\"seccomp\":{\"profile\":\"/nonexistent.json\"}}}";
  shim_policy *policy = NULL;
  shim_error err;
  CU_ASSERT_EQUAL(shim_policy_load_data(json, strlen(json), &policy, &err), -SHIM_ERR_IO);
  CU_ASSERT_STRING_EQUAL(err.pointer, "/controls/seccomp/profile");
  const char *rel = "{\"version\":1,\"controls\":{\"seccomp\":{\"profile\":\"x.json\"}}}";
  CU_ASSERT_EQUAL(shim_policy_load_data(rel, strlen(rel), &policy, &err), -SHIM_ERR_SCHEMA);
  const char *deny = "{\"version\":1,\"controls\":{\"seccomp\":{\"denyAction\":\"trap\"}}}";
  CU_ASSERT_EQUAL(shim_policy_load_data(deny, strlen(deny), &policy, &err), -SHIM_ERR_SCHEMA);
}

void register_harden_tests(void) {
  static const struct test_case tests[] = {
      {"default container", test_default_container},
      {"idempotent", test_idempotent},
      {"rejected spec", test_rejected},
      {"unmasked spec masked", test_unmasked_masked},
      {"unknown properties left out", test_unknown_left_out},
      {"update judged", test_update},
      {"spec profile combined", test_spec_profile_combined},
      {"seccomp warn mode", test_seccomp_warn_mode},
      {"ambient and kill", test_ambient_and_kill},
      {"rlimits set", test_rlimits_set},
      {"bad policy profile", test_bad_policy_profile},
  };
  ADD_SUITE("harden", tests);
}
