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
void register_loader_tests(void);

/* Runs the suites the functions register; the exit status for main. */
int run_suites(void (*const registers[])(void), size_t n);
/* Adds a suite with the given tests; aborts the run if CUnit cannot. */
struct test_case {
  const char *name;
  void (*fn)(void);
};
void add_suite(const char *name, const struct test_case *tests, size_t n);
#define ADD_SUITE(name, tests) add_suite(name, tests, ARRAY_SIZE(tests))

/* tests/fixtures/name (or under $SHIM_FIXTURES) in buf. */
const char *fixture(const char *name, char *buf, size_t size);
/* Reads tests/fixtures/name into a malloc'ed buffer. */
int read_fixture(const char *name, char **data, size_t *len);
/* Checks doc (which is consumed) with policy (default when NULL). */
shim_report *check_doc(json_t *doc, const shim_policy *policy);
/* The same with host facts: known[0..n) answer the questions of doc's
 * checks with their kind and path (and ns_type, where one is given); the
 * others stay unanswered.  answer_questions does it for a loaded spec. */
shim_report *check_doc_facts(json_t *doc, const shim_policy *policy, const shim_fact *known,
                             size_t n);
void answer_questions(const shim_policy *policy, shim_spec *spec, const shim_fact *known,
                      size_t n);
/* A literal host fact: the answer about path of kind, then its fields. */
#define FACT(k, p, ...) {.kind = SHIM_FACT_##k, .path = (p), .answered = 1, __VA_ARGS__}
/* Number of findings of control with verdict (any verdict when
 * SHIM_VERDICT_ALLOW) whose pointer starts with pointer (any when NULL). */
size_t count_findings(const shim_report *r, const char *control,
                      shim_verdict verdict, const char *pointer);
/* The first finding of control, or NULL. */
const shim_finding *first_finding(const shim_report *r, const char *control);

#endif
