/* The policy loader: the embedded default, overlays, strict validation. */
#include "config.h"
#include "test.h"

#include <string.h>

static void test_default_loads(void) {
  shim_policy *p = NULL;
  shim_error err;
  CU_ASSERT_FATAL(shim_policy_load_default(&p, &err) == 0);
  for (int c = 0; c < CONTROL_COUNT; c++)
    CU_ASSERT_EQUAL(p->mode[c], MODE_ENFORCE);
  CU_ASSERT(p->caps_privileged & (UINT64_C(1) << 21)); /* CAP_SYS_ADMIN */
  CU_ASSERT(p->caps_allowed & (UINT64_C(1) << 0));     /* CAP_CHOWN */
  CU_ASSERT(!(p->caps_allowed & (UINT64_C(1) << 13))); /* CAP_NET_RAW */
  CU_ASSERT(p->bind_sources.count > 0);
  CU_ASSERT(p->pids_default > 0);
  shim_policy_free(p);
}

static const struct bad_policy {
  const char *json;
  const char *pointer;
} bad_policies[] = {
    {"{}", "/version"},
    {"{\"version\":2}", "/version"},
    {"{\"version\":1,\"extra\":1}", "/extra"},
    {"{\"version\":1,\"controls\":{\"no-such-control\":{\"mode\":\"enforce\"}}}",
     "/controls/no-such-control"},
    {"{\"version\":1,\"controls\":{\"hooks\":{\"mode\":\"audit\"}}}",
     "/controls/hooks/mode"},
    {"{\"version\":1,\"controls\":{\"hooks\":{\"mode\":\"warn\",\"allow\":[]}}}",
     "/controls/hooks/allow"},
    {"{\"version\":1,\"controls\":{\"capabilities\":{\"allowed\":[\"CAP_NOPE\"]}}}",
     "/controls/capabilities/allowed/0"},
    {"{\"version\":1,\"controls\":{\"capabilities\":{\"allowed\":[\"chown\"]}}}",
     "/controls/capabilities/allowed/0"},
    {"{\"version\":1,\"controls\":{\"host-mounts\":{\"allowedSources\":[\"relative\"]}}}",
     "/controls/host-mounts/allowedSources/0"},
    {"{\"version\":1,\"controls\":{\"host-mounts\":{\"allowedSources\":[\"/a/../b\"]}}}",
     "/controls/host-mounts/allowedSources/0"},
    {"{\"version\":1,\"controls\":{\"pids-limit\":{\"default\":0}}}",
     "/controls/pids-limit/default"},
    {"{\"version\":1,\"controls\":{\"hooks\":\"off\"}}", "/controls/hooks"},
    {"{\"version\":1,\"version\":1}", ""},
};

static void test_bad_policies(void) {
  for (size_t i = 0; i < ARRAY_SIZE(bad_policies); i++) {
    shim_policy *p = NULL;
    shim_error err = {0};
    int ret = shim_policy_load_data(bad_policies[i].json,
                                    strlen(bad_policies[i].json), &p, &err);
    CU_ASSERT(ret < 0);
    CU_ASSERT_PTR_NULL(p);
    if (strcmp(err.pointer, bad_policies[i].pointer) != 0)
      fprintf(stderr, "\n  policy %s: pointer \"%s\" (want \"%s\"): %s\n",
              bad_policies[i].json, err.pointer, bad_policies[i].pointer,
              err.message);
    CU_ASSERT_STRING_EQUAL(err.pointer, bad_policies[i].pointer);
    shim_policy_free(p);
  }
}

static void test_overlay_keeps_defaults(void) {
  const char *doc = "{\"version\":1,\"name\":\"relaxed\",\"controls\":{"
                    "\"hooks\":{\"mode\":\"warn\"},"
                    "\"sysctls\":{\"allowed\":[\"kernel.msgmax\"]}}}";
  shim_policy *p = NULL, *def = NULL;
  CU_ASSERT_FATAL(shim_policy_load_data(doc, strlen(doc), &p, NULL) == 0);
  CU_ASSERT_FATAL(shim_policy_load_default(&def, NULL) == 0);
  CU_ASSERT_STRING_EQUAL(p->name, "relaxed");
  CU_ASSERT_EQUAL(p->mode[CONTROL_HOOKS], MODE_WARN);
  CU_ASSERT_EQUAL(p->mode[CONTROL_HOST_NAMESPACES], MODE_ENFORCE);
  CU_ASSERT_EQUAL(p->caps_allowed, def->caps_allowed);
  /* A setting given replaces the default's list as a whole. */
  CU_ASSERT_EQUAL(p->sysctls.count, 1);
  CU_ASSERT_STRING_EQUAL(p->sysctls.items[0], "kernel.msgmax");
  shim_policy_free(p);
  shim_policy_free(def);
}

static void test_render_round_trip(void) {
  shim_policy *p = NULL, *again = NULL;
  char *text = NULL, *text2 = NULL;
  const char *doc = "{\"version\":1,\"controls\":{\"apparmor\":{\"mode\":\"off\"}}}";
  CU_ASSERT_FATAL(shim_policy_load_data(doc, strlen(doc), &p, NULL) == 0);
  CU_ASSERT_FATAL(shim_policy_render(p, &text, NULL) == 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"apparmor\": {\n      \"mode\": \"off\""));
  CU_ASSERT_FATAL(shim_policy_load_data(text, strlen(text), &again, NULL) == 0);
  CU_ASSERT_FATAL(shim_policy_render(again, &text2, NULL) == 0);
  CU_ASSERT_STRING_EQUAL(text, text2);
  free(text);
  free(text2);
  shim_policy_free(p);
  shim_policy_free(again);
}

static void test_shipped_policies_load(void) {
  char path[4096];
  shim_policy *p = NULL;
  shim_error err;
  int ret = shim_policy_load_file(fixture("../../profiles/policy/default.json", path, sizeof path), &p, &err);
  if (ret < 0)
    fprintf(stderr, "\n  %s: %s\n", err.pointer, err.message);
  CU_ASSERT_EQUAL(ret, 0);
  shim_policy_free(p);
  CU_ASSERT_EQUAL(shim_policy_load_file("/nonexistent.json", &p, &err), -SHIM_ERR_IO);
}

/* The embedded default's digest is computed at build time: it must be the
 * one its bytes give, and the file's (profiles/policy/default.json). */
static void test_embedded_digest(void) {
  char path[4096];
  char hex[65], *data = NULL;
  size_t len = 0;
  sha256_hex(default_policy_json, default_policy_json_len, hex);
  CU_ASSERT_STRING_EQUAL(hex, default_policy_json_sha256);
  CU_ASSERT_FATAL(read_file_limited(fixture("../../profiles/policy/default.json", path, sizeof path),
                                    &data, &len, NULL) == 0);
  sha256_hex(data, len, hex);
  CU_ASSERT_STRING_EQUAL(hex, default_policy_json_sha256);
  free(data);
}

void register_policy_tests(void) {
  static const struct test_case tests[] = {
      {"default loads", test_default_loads},
      {"bad policies", test_bad_policies},
      {"overlay keeps defaults", test_overlay_keeps_defaults},
      {"render round trip", test_render_round_trip},
      {"shipped policies load", test_shipped_policies_load},
      {"embedded policy's digest", test_embedded_digest},
  };
  ADD_SUITE("policy", tests);
}
