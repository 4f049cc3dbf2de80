/* The metadata-server control: the hook hardening adds under a runtime and
 * the exact hook the checks trust (the block itself is test_node's). */
#include "config.h"
#include "test.h"

#include <string.h>

static shim_policy *runtime_policy(void) {
  shim_policy *p = NULL;
  CU_ASSERT_FATAL(shim_policy_load_default(&p, NULL) == 0);
  CU_ASSERT_FATAL(shim_policy_set_runtime(p, "/usr/local/bin/shimrun", NULL) == 0);
  return p;
}

static void test_hook_added_and_trusted(void) {
  shim_policy *p = runtime_policy();
  char *data = NULL, *out = NULL;
  size_t len = 0;
  CU_ASSERT_FATAL(read_fixture("ctr-default.json", &data, &len) == 0);
  shim_spec *spec = NULL;
  shim_report *r = NULL;
  CU_ASSERT_FATAL(shim_spec_load_data(data, len, &spec, NULL) == 0);
  CU_ASSERT_EQUAL(count_findings(shim_check(p, spec, &r, NULL) == 0 ? r : NULL,
                                 "metadata-server", SHIM_VERDICT_HARDEN, "/hooks"), 1);
  shim_report_free(r);
  r = NULL;
  CU_ASSERT_FATAL(shim_harden(p, spec, &out, &r, NULL) == 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"createRuntime\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"169.254.169.254/32\""));
  shim_report_free(r);
  shim_spec_free(spec);

  /* Trusted exactly: one more argument and it is any other hook. */
  json_t *doc = json_loads(out, 0, NULL);
  json_t *args = json_object_get(json_array_get(json_object_get(
                     json_object_get(doc, "hooks"), "createRuntime"), 0), "args");
  json_array_append_new(args, json_string("--delegate=/tmp/evil"));
  shim_report *tampered = check_doc(doc, p);
  CU_ASSERT_EQUAL(count_findings(tampered, "hooks", SHIM_VERDICT_REJECT, "/hooks/createRuntime/0"), 1);
  shim_report_free(tampered);

  /* Without a runtime the hook is nobody's: rejected like any hook. */
  shim_policy *plain = NULL;
  CU_ASSERT_FATAL(shim_policy_load_default(&plain, NULL) == 0);
  shim_report *r2 = check_doc(json_loads(out, 0, NULL), plain);
  CU_ASSERT_EQUAL(count_findings(r2, "hooks", SHIM_VERDICT_REJECT, NULL), 1);
  CU_ASSERT_EQUAL(count_findings(r2, "metadata-server", SHIM_VERDICT_ALLOW, NULL), 0);
  shim_report_free(r2);
  shim_policy_free(plain);
  free(out);
  free(data);
  shim_policy_free(p);
}

static void test_bad_addresses(void) {
  const char *json = "{\"version\":1,\"controls\":{\"metadata-server\":{\"addresses\":[\"169.254.169.254\"]}}}";
  shim_policy *p = NULL;
  shim_error err;
  CU_ASSERT_EQUAL(shim_policy_load_data(json, strlen(json), &p, &err), -SHIM_ERR_SCHEMA);
  CU_ASSERT_STRING_EQUAL(err.pointer, "/controls/metadata-server/addresses/0");
  CU_ASSERT_EQUAL(shim_policy_set_runtime(NULL, "/x", &err), -SHIM_ERR_INVAL);
}

void register_network_tests(void) {
  static const struct test_case tests[] = {
      {"hook added and trusted exactly", test_hook_added_and_trusted},
      {"bad addresses", test_bad_addresses},
  };
  ADD_SUITE("network", tests);
}
