/* shimrun's command line: the input, split at NUL bytes, is argv (as
 * containerd's runc shim or a user would give it).  Property: the parse
 * never reads or writes outside argv and never pushes more arguments for
 * the delegate than main() makes room for (argc + 8).
 *
 * The same input as a config file: what the pass-through path reads
 * (shimrun_fast_config) main reads alike - jansson, as main calls it,
 * accepts it, and finds the same delegate. */
#include "shimrun.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_config(const uint8_t *data, size_t size) {
  const char *delegate;
  size_t len;
  if (!shimrun_fast_config((const char *)data, size, &delegate, &len))
    return;
  json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object(doc))
    __builtin_trap();
  const char *key;
  json_t *v;
  json_object_foreach(doc, key, v) {
    if (!json_is_string(v) || (strcmp(key, "policy") && strcmp(key, "delegate") &&
                               strcmp(key, "auditLog") && strcmp(key, "stateDir")))
      __builtin_trap();
  }
  const char *want = json_string_value(json_object_get(doc, "delegate"));
  if (!want != !delegate || (want && (strlen(want) != len || memcmp(want, delegate, len))))
    __builtin_trap();
  json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_config(data, size);
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
