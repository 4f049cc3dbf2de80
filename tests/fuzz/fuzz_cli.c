/* shimrun's command line: the input, split at NUL bytes, is argv (as
 * containerd's runc shim or a user would give it).  Property: the parse
 * never reads or writes outside argv and never pushes more arguments for
 * the delegate than main() makes room for (argc + 8). */
#include "shimrun.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  enum { MAX_ARGS = 64 };
  char *copy = malloc(size + 1);
  char *argv[MAX_ARGS + 1];
  int argc = 0;
  if (!copy)
    return 0;
  memcpy(copy, data, size);
  copy[size] = '\0';
  argv[argc++] = "shimrun";
  for (char *p = copy; p < copy + size && argc < MAX_ARGS; p += strlen(p) + 1)
    argv[argc++] = p;
  argv[argc] = NULL;

  struct shimrun s = {.delegate = "runc", .audit_log = ""};
  s.argv = calloc((size_t)argc + 8, sizeof *s.argv);
  if (!s.argv) {
    free(copy);
    return 0;
  }
  shimrun_push(&s, "runc");
  int next = 1;
  enum shimrun_globals g = shimrun_parse_globals(&s, argc, argv, &next);
  if (next < 1 || next > argc || s.argc > (size_t)argc + 1)
    __builtin_trap();
  if (g == SHIMRUN_COMMAND &&
      (strcmp(argv[next], "create") == 0 || strcmp(argv[next], "run") == 0)) {
    const char *bundle, *id;
    shimrun_scan_create(argc - next, argv + next, &bundle, &id);
    if (!bundle || (id && (id < copy || id >= copy + size + 1)))
      __builtin_trap();
  }
  free(s.argv);
  free(copy);
  return 0;
}
