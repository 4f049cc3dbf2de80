/* Shared helpers of the CUnit suites. */
#ifndef SHIM_TEST_H
#define SHIM_TEST_H

#include <CUnit/CUnit.h>
#include <stdbool.h>

#include "internal.h"

void register_spec_tests(void);
void register_policy_tests(void);
void register_control_tests(void);
void register_fixture_tests(void);
void register_seccomp_tests(void);
void register_harden_tests(void);
void register_network_tests(void);

/* Adds a suite with the given tests; aborts the run if CUnit cannot. */
struct test_case {
  const char *name;
  void (*fn)(void);
};
void add_suite(const char *name, const struct test_case *tests, size_t n);
#define ADD_SUITE(name, tests) add_suite(name, tests, ARRAY_SIZE(tests))

/* Reads tests/fixtures/name into a malloc'ed buffer. */
int read_fixture(const char *name, char **data, size_t *len);
/* Checks doc (which is consumed) with policy (default when NULL). */
shim_report *check_doc(json_t *doc, const shim_policy *policy);
/* The same with host facts about the user namespace doc joins (NULL: none). */
shim_report *check_doc_facts(json_t *doc, const shim_policy *policy,
                             const shim_userns_facts *facts);
/* Number of findings of control with verdict (any verdict when
 * SHIM_VERDICT_ALLOW) whose pointer starts with pointer (any when NULL). */
size_t count_findings(const shim_report *r, const char *control,
                      shim_verdict verdict, const char *pointer);
/* The first finding of control, or NULL. */
const shim_finding *first_finding(const shim_report *r, const char *control);

#endif
