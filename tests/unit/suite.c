/* The helpers and the CUnit runner the unit test programs share. */
#include "config.h"
#include "test.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

void add_suite(const char *name, const struct test_case *tests, size_t n) {
  CU_pSuite suite = CU_add_suite(name, NULL, NULL);
  if (!suite) {
    fprintf(stderr, "cannot add suite %s\n", name);
    exit(2);
  }
  for (size_t i = 0; i < n; i++)
    if (!CU_add_test(suite, tests[i].name, tests[i].fn)) {
      fprintf(stderr, "cannot add test %s\n", tests[i].name);
      exit(2);
    }
}

const char *fixture(const char *name, char *buf, size_t size) {
  /* SHIM_FIXTURES: a copy that an unprivileged run can read. */
  const char *dir = getenv("SHIM_FIXTURES");
  snprintf(buf, size, "%s/%s", dir ? dir : FIXTURES_DIR, name);
  return buf;
}

int read_fixture(const char *name, char **data, size_t *len) {
  char path[4096];
  fixture(name, path, sizeof path);
  return read_file_limited(path, data, len, NULL);
}

shim_report *check_doc(json_t *doc, const shim_policy *policy) {
  return check_doc_facts(doc, policy, NULL, 0);
}

void answer_questions(const shim_policy *policy, shim_spec *spec, const shim_fact *known,
                      size_t n) {
  shim_fact *facts = NULL;
  size_t count = 0;
  CU_ASSERT_FATAL(shim_spec_questions(policy, spec, &facts, &count, NULL) == 0);
  for (size_t i = 0; i < count; i++)
    for (size_t k = 0; k < n; k++)
      if (known[k].kind == facts[i].kind && strcmp(known[k].path, facts[i].path) == 0 &&
          (!known[k].ns_type || known[k].ns_type == facts[i].ns_type)) {
        shim_fact question = facts[i];
        facts[i] = known[k];
        facts[i].path = question.path;
        facts[i].ns_type = question.ns_type;
        facts[i].answered = 1;
      }
  CU_ASSERT_FATAL(shim_spec_set_facts(spec, facts, count, NULL) == 0);
  free(facts);
}

shim_report *check_doc_facts(json_t *doc, const shim_policy *policy, const shim_fact *known,
                             size_t n) {
  shim_policy *own = NULL;
  shim_error err;
  if (!policy) {
    CU_ASSERT_FATAL(shim_policy_load_default(&own, &err) == 0);
    policy = own;
  }
  char *text = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  shim_spec *spec = NULL;
  int ret = shim_spec_load_data(text, strlen(text), &spec, &err);
  if (ret < 0)
    fprintf(stderr, "\nspec rejected: %s: %s\n", err.pointer, err.message);
  CU_ASSERT_FATAL(ret == 0);
  answer_questions(policy, spec, known, n);
  shim_report *report = NULL;
  CU_ASSERT_FATAL(shim_check(policy, spec, &report, &err) == 0);
  free(text);
  shim_spec_free(spec);
  shim_policy_free(own);
  return report;
}

size_t count_findings(const shim_report *r, const char *control,
                      shim_verdict verdict, const char *pointer) {
  size_t n = 0;
  for (size_t i = 0; i < shim_report_count(r); i++) {
    const shim_finding *f = shim_report_get(r, i);
    if (strcmp(f->control, control) == 0 &&
        (verdict == SHIM_VERDICT_ALLOW || f->verdict == verdict) &&
        (!pointer || strncmp(f->pointer, pointer, strlen(pointer)) == 0))
      n++;
  }
  return n;
}

const shim_finding *first_finding(const shim_report *r, const char *control) {
  for (size_t i = 0; i < shim_report_count(r); i++)
    if (strcmp(shim_report_get(r, i)->control, control) == 0)
      return shim_report_get(r, i);
  return NULL;
}

int run_suites(void (*const registers[])(void), size_t n) {
  if (CU_initialize_registry() != CUE_SUCCESS)
    return 2;
  for (size_t i = 0; i < n; i++)
    registers[i]();
  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
  CU_cleanup_registry();
  return failed ? 1 : 0;
}
