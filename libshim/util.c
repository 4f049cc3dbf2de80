/* Small pure helpers shared by several files. */
#include "config.h"
#include "internal.h"

#include <string.h>

int strlist_push(struct strlist *l, const char *s) {
  char **items = realloc(l->items, (l->count + 1) * sizeof *items);
  if (!items)
    return -SHIM_ERR_NOMEM;
  l->items = items;
  if (!(l->items[l->count] = strdup(s)))
    return -SHIM_ERR_NOMEM;
  l->count++;
  return 0;
}

bool strlist_has(const struct strlist *l, const char *s) {
  for (size_t i = 0; i < l->count; i++)
    if (strcmp(l->items[i], s) == 0)
      return true;
  return false;
}

void strlist_clear(struct strlist *l) {
  for (size_t i = 0; i < l->count; i++)
    free(l->items[i]);
  free(l->items);
  l->items = NULL;
  l->count = 0;
}

void cleanup_strlistp(struct strlist *l) { strlist_clear(l); }
