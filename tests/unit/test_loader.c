/* The seccomp loader's form (libshim/loader.c): what hardening makes under
 * a policy with a loader, that the checks accept exactly that form, and
 * that every other way of naming the loader is refused, so that no
 * container can start through it with a filter other than its profile's. */
#include "config.h"
#include "test.h"

#include <string.h>

#define LOADER "/usr/bin/shim-seccomp-loader"
#define CACHE "/run/shim/seccomp"

static shim_policy *loader_policy(const char *json) {
  shim_policy *p = NULL;
  CU_ASSERT_FATAL(shim_policy_load_data(json, strlen(json), &p, NULL) == 0);
  CU_ASSERT_FATAL(shim_policy_set_seccomp_loader(p, LOADER, CACHE, NULL) == 0);
  return p;
}

/* ctr-default.json (with no_new_privs off when nnp_off) hardened under
 * policy, as JSON. */
static json_t *hardened_nnp(const shim_policy *policy, bool nnp_off, shim_report **report) {
  char *data = NULL, *out = NULL;
  size_t len = 0;
  shim_spec *spec = NULL;
  CU_ASSERT_FATAL(read_fixture("ctr-default.json", &data, &len) == 0);
  if (nnp_off) {
    json_t *doc = json_loadb(data, len, 0, NULL);
    json_object_set_new(json_object_get(doc, "process"), "noNewPrivileges", json_false());
    free(data);
    data = json_dumps(doc, 0);
    len = strlen(data);
    json_decref(doc);
  }
  CU_ASSERT_FATAL(shim_spec_load_data(data, len, &spec, NULL) == 0);
  CU_ASSERT_FATAL(shim_harden(policy, spec, &out, report, NULL) == 0);
  json_t *doc = json_loads(out, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  shim_spec_free(spec);
  free(data);
  free(out);
  return doc;
}

static json_t *hardened(const shim_policy *policy, shim_report **report) {
  return hardened_nnp(policy, false, report);
}

static const char *str_at(json_t *doc, const char *a, const char *b) {
  /* doc[a][b] as a string, or NULL */
  return json_string_value(json_object_get(json_object_get(doc, a), b));
}

static void test_form(void) {
  shim_policy *policy = loader_policy("{\"version\":1}");
  shim_report *report = NULL;
  json_t *doc = hardened(policy, &report);
  json_t *args = json_object_get(json_object_get(doc, "process"), "args");
  json_t *mounts = json_object_get(doc, "mounts");
  size_t n = json_array_size(mounts);
  const char *profile = str_at(doc, "annotations", SHIM_SECCOMP_ANNOTATION);
  /* The process through the loader, its own argv after it. */
  CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(args, 0)), SHIM_SECCOMP_LOADER);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(args, 1)), "true");
  /* No profile for runc; the annotation holds it. */
  CU_ASSERT_PTR_NULL(json_object_get(json_object_get(doc, "linux"), "seccomp"));
  CU_ASSERT_PTR_NOT_NULL_FATAL(profile);
  CU_ASSERT_PTR_NOT_NULL(strstr(profile, "\"defaultAction\":\"SCMP_ACT_ERRNO\""));
  /* The two binds, last, read-only; the filter named by the digest. */
  char hex[65], want[256];
  sha256_hex(profile, strlen(profile), hex);
  snprintf(want, sizeof want, CACHE "/%s.bpf", hex);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(mounts, n - 2), "source")), LOADER);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(mounts, n - 1), "source")), want);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(mounts, n - 1), "destination")),
                         SHIM_SECCOMP_FILTER);
  size_t moved = 0;
  for (size_t i = 0; i < shim_report_change_count(report); i++)
    moved += !strcmp(shim_report_change_get(report, i)->pointer, "/process/args");
  CU_ASSERT_EQUAL(moved, 1);
  /* shim_spec_seccomp_filter names the same file and text. */
  char *text = json_dumps(doc, 0), *filter = NULL;
  shim_spec *spec = NULL;
  const char *got = NULL;
  CU_ASSERT_FATAL(shim_spec_load_data(text, strlen(text), &spec, NULL) == 0);
  CU_ASSERT_EQUAL(shim_spec_seccomp_filter(policy, spec, &got, &filter, NULL), 1);
  CU_ASSERT_STRING_EQUAL(filter ?: "", want);
  CU_ASSERT_STRING_EQUAL(got ?: "", profile);
  /* It checks clean. */
  shim_report *again = NULL;
  CU_ASSERT_FATAL(shim_check(policy, spec, &again, NULL) == 0);
  CU_ASSERT_EQUAL(count_findings(again, "seccomp", SHIM_VERDICT_ALLOW, NULL), 0);
  CU_ASSERT_EQUAL(count_findings(again, "host-mounts", SHIM_VERDICT_ALLOW, NULL), 0);
  shim_report_free(again);
  shim_spec_free(spec);
  free(filter);
  free(text);
  shim_report_free(report);
  json_decref(doc);
  shim_policy_free(policy);
}

/* Without no_new_privs the loader could not install a filter as an
 * unprivileged user: runc keeps loading linux.seccomp then. */
static void test_no_nnp_stays_runc(void) {
  shim_policy *policy =
      loader_policy("{\"version\":1,\"controls\":{\"no-new-privileges\":{\"mode\":\"off\"}}}");
  shim_report *report = NULL;
  json_t *doc = hardened_nnp(policy, true, &report);
  CU_ASSERT_PTR_NOT_NULL(json_object_get(json_object_get(doc, "linux"), "seccomp"));
  CU_ASSERT_PTR_NULL(str_at(doc, "annotations", SHIM_SECCOMP_ANNOTATION));
  CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
                             json_object_get(json_object_get(doc, "process"), "args"), 0)),
                         "true");
  shim_report_free(report);
  json_decref(doc);
  shim_policy_free(policy);
}

/* A profile with a notify agent keeps runc loading it: runc hands the
 * agent the listener, which the loader could not. */
static void test_notify_agent_stays_runc(void) {
  shim_policy *policy = loader_policy("{\"version\":1}");
  char *data = NULL, *out = NULL;
  size_t len = 0;
  CU_ASSERT_FATAL(read_fixture("ctr-default.json", &data, &len) == 0);
  json_t *doc = json_loadb(data, len, 0, NULL);
  json_object_set_new(json_object_get(doc, "linux"), "seccomp",
                      json_pack("{s:s,s:s,s:[{s:[s],s:s}]}", "defaultAction", "SCMP_ACT_ERRNO",
                                "listenerPath", "/run/agent.sock", "syscalls", "names",
                                "getpid", "action", "SCMP_ACT_NOTIFY"));
  free(data);
  data = json_dumps(doc, 0);
  json_decref(doc);
  shim_spec *spec = NULL;
  shim_report *report = NULL;
  CU_ASSERT_FATAL(shim_spec_load_data(data, strlen(data), &spec, NULL) == 0);
  CU_ASSERT_FATAL(shim_harden(policy, spec, &out, &report, NULL) == 0);
  doc = json_loads(out, 0, NULL);
  json_t *seccomp = json_object_get(json_object_get(doc, "linux"), "seccomp");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(seccomp, "listenerPath")) ?: "",
                         "/run/agent.sock");
  CU_ASSERT_PTR_NULL(str_at(doc, "annotations", SHIM_SECCOMP_ANNOTATION));
  json_decref(doc);
  free(out);
  free(data);
  shim_report_free(report);
  shim_spec_free(spec);
  shim_policy_free(policy);
}

/* Each edit of a hardened spec, and what the seccomp control then says. */
static void test_tampered(void) {
  static const struct {
    const char *what, *edit; /* a jq-like description, applied below */
    shim_verdict verdict;
  } cases[] = {
      {"loader bound from elsewhere", "loader-source", SHIM_VERDICT_REJECT},
      {"another filter file", "filter-source", SHIM_VERDICT_REJECT},
      {"profile edited, filter kept", "profile", SHIM_VERDICT_REJECT},
      {"a mount after the filter", "mount-after", SHIM_VERDICT_REJECT},
      {"the two mounts swapped", "swap", SHIM_VERDICT_REJECT},
      {"loader bound writable", "rw", SHIM_VERDICT_REJECT},
      {"linux.seccomp as well", "both", SHIM_VERDICT_REJECT},
      {"/dev masked", "mask-dev", SHIM_VERDICT_REJECT},
      {"the filter masked", "mask-filter", SHIM_VERDICT_REJECT},
      {"no_new_privs off (hardening sets it)", "nnp", SHIM_VERDICT_HARDEN},
      {"the loader's mounts without the annotation", "no-annotation", SHIM_VERDICT_REJECT},
      {"a process that skips the loader", "unwrapped", SHIM_VERDICT_HARDEN},
  };
  shim_policy *policy = loader_policy("{\"version\":1}");
  shim_report *report = NULL;
  json_t *base = hardened(policy, &report);
  shim_report_free(report);
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    json_t *doc = json_deep_copy(base);
    json_t *mounts = json_object_get(doc, "mounts");
    size_t n = json_array_size(mounts);
    json_t *lm = json_array_get(mounts, n - 2), *fm = json_array_get(mounts, n - 1);
    json_t *linux_ = json_object_get(doc, "linux");
    json_t *process = json_object_get(doc, "process");
    json_t *ann = json_object_get(doc, "annotations");
    const char *e = cases[i].edit;
    if (!strcmp(e, "loader-source"))
      json_object_set_new(lm, "source", json_string("/bin/true"));
    else if (!strcmp(e, "filter-source"))
      json_object_set_new(fm, "source", json_string(CACHE "/0000.bpf"));
    else if (!strcmp(e, "profile"))
      json_object_set_new(ann, SHIM_SECCOMP_ANNOTATION,
                          json_string("{\"defaultAction\":\"SCMP_ACT_ERRNO\"}"));
    else if (!strcmp(e, "mount-after"))
      json_array_append_new(mounts, json_pack("{s:s,s:s,s:s}", "destination", "/dev",
                                              "type", "tmpfs", "source", "tmpfs"));
    else if (!strcmp(e, "swap")) {
      json_incref(lm);
      json_array_remove(mounts, n - 2);
      json_array_append_new(mounts, lm);
    } else if (!strcmp(e, "rw"))
      json_array_remove(json_object_get(lm, "options"), 1);
    else if (!strcmp(e, "both"))
      json_object_set_new(linux_, "seccomp",
                          json_loads(json_string_value(json_object_get(ann, SHIM_SECCOMP_ANNOTATION)), 0, NULL));
    else if (!strcmp(e, "mask-dev"))
      json_array_append_new(json_object_get(linux_, "maskedPaths"), json_string("/dev"));
    else if (!strcmp(e, "mask-filter"))
      json_array_append_new(json_object_get(linux_, "maskedPaths"), json_string(SHIM_SECCOMP_FILTER));
    else if (!strcmp(e, "nnp"))
      json_object_set_new(process, "noNewPrivileges", json_false());
    else if (!strcmp(e, "no-annotation"))
      json_object_del(ann, SHIM_SECCOMP_ANNOTATION);
    else if (!strcmp(e, "unwrapped"))
      json_array_remove(json_object_get(process, "args"), 0);
    shim_report *r = check_doc(doc, policy);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    size_t got = count_findings(r, "seccomp", cases[i].verdict, NULL);
    if (got != 1)
      fprintf(stderr, "\n  %s: %zu seccomp findings of the verdict expected\n",
              cases[i].what, got);
    CU_ASSERT_EQUAL(got, 1);
    shim_report_free(r);
  }
  /* A runtime without the loader refuses the form outright. */
  shim_policy *plain = NULL;
  CU_ASSERT_FATAL(shim_policy_load_default(&plain, NULL) == 0);
  shim_report *r = check_doc(json_deep_copy(base), plain);
  CU_ASSERT_EQUAL(count_findings(r, "seccomp", SHIM_VERDICT_REJECT, NULL), 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(first_finding(r, "seccomp")->message, "does not provide"));
  shim_report_free(r);
  shim_policy_free(plain);
  json_decref(base);
  shim_policy_free(policy);
}

/* A process exec'd into a container in the form starts through the
 * loader too: runc exec applies no filter of its own to it. */
static void test_exec_process(void) {
  shim_policy *policy = loader_policy("{\"version\":1}");
  shim_report *report = NULL;
  json_t *doc = hardened(policy, &report);
  shim_report_free(report);
  char *text = json_dumps(doc, 0), *out = NULL;
  shim_spec *container = NULL;
  CU_ASSERT_FATAL(shim_spec_load_data(text, strlen(text), &container, NULL) == 0);
  const char *process = "{\"args\":[\"/bin/ls\",\"-l\"],\"cwd\":\"/\","
                        "\"user\":{\"uid\":0,\"gid\":0}}";
  CU_ASSERT_FATAL(shim_harden_process(policy, container, process, strlen(process), &out,
                                      &report, NULL) == 0);
  json_t *p = json_loads(out, 0, NULL);
  json_t *args = json_object_get(p, "args");
  CU_ASSERT_EQUAL(json_array_size(args), 3);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(args, 0)), SHIM_SECCOMP_LOADER);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(args, 1)), "/bin/ls");
  CU_ASSERT(json_is_true(json_object_get(p, "noNewPrivileges")));
  json_decref(p);
  free(out);
  shim_report_free(report);
  shim_spec_free(container);
  free(text);
  json_decref(doc);
  /* A container whose filter runc loads (hardened before the loader was
   * installed) has no loader to run: its processes stay as they are. */
  shim_policy *before = NULL;
  CU_ASSERT_FATAL(shim_policy_load_default(&before, NULL) == 0);
  doc = hardened(before, &report);
  shim_report_free(report);
  text = json_dumps(doc, 0);
  CU_ASSERT_FATAL(shim_spec_load_data(text, strlen(text), &container, NULL) == 0);
  CU_ASSERT_FATAL(shim_harden_process(policy, container, process, strlen(process), &out,
                                      &report, NULL) == 0);
  p = json_loads(out, 0, NULL);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(json_object_get(p, "args"), 0)),
                         "/bin/ls");
  json_decref(p);
  free(out);
  shim_report_free(report);
  shim_spec_free(container);
  free(text);
  json_decref(doc);
  shim_policy_free(before);
  shim_policy_free(policy);
}

/* The program the runtime caches is the one `shimctl seccomp compile`
 * shows, and the flags are the profile's. */
static void test_program_flags(void) {
  shim_policy *policy = loader_policy("{\"version\":1,\"controls\":{\"seccomp\":{\"specAllow\":true}}}");
  char *a = NULL, *b = NULL;
  size_t alen = 0, blen = 0;
  unsigned int flags = 0;
  CU_ASSERT_FATAL(shim_seccomp_program(policy, NULL, &a, &alen, &flags, NULL) == 0);
  CU_ASSERT_FATAL(shim_seccomp_compile(policy, NULL, SHIM_SECCOMP_BPF, &b, &blen, NULL) == 0);
  CU_ASSERT_EQUAL(alen, blen);
  CU_ASSERT(alen == blen && memcmp(a, b, alen) == 0);
  CU_ASSERT_EQUAL(flags, 1u << 2); /* SECCOMP_FILTER_FLAG_SPEC_ALLOW */
  CU_ASSERT_EQUAL(shim_seccomp_program(policy, NULL, &a, &alen, NULL, NULL), -SHIM_ERR_INVAL);
  free(a);
  free(b);
  shim_policy_free(policy);
}

void register_loader_tests(void) {
  static const struct test_case tests[] = {
      {"the loader's form", test_form},
      {"no no_new_privs: runc loads it", test_no_nnp_stays_runc},
      {"a notify agent: runc loads it", test_notify_agent_stays_runc},
      {"tampered forms", test_tampered},
      {"exec'd process", test_exec_process},
      {"program and flags", test_program_flags},
  };
  ADD_SUITE("seccomp loader", tests);
}
