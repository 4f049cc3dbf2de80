/* libshim's unit tests: pure judgement, literal host facts, no privilege
 * needed (the node's own tests are test_node's). */
#include "config.h"
#include "test.h"

int main(void) {
  static void (*const suites[])(void) = {
      register_spec_tests,     register_policy_tests,  register_control_tests,
      register_fixture_tests,  register_seccomp_tests, register_harden_tests,
      register_network_tests,  register_loader_tests,
  };
  return run_suites(suites, ARRAY_SIZE(suites));
}
