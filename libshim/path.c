/* Lexical path tests; no file system access. */
#include "config.h"
#include "internal.h"

#include <stdio.h>
#include <string.h>

bool path_is_clean(const char *path) {
  if (path[0] != '/')
    return false;
  for (const char *c = path + 1; *c;) {
    const char *end = strchrnul(c, '/');
    size_t n = (size_t)(end - c);
    if (n == 0 && *end == '/') /* "//" */
      return false;
    if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
      return false;
    c = *end ? end + 1 : end;
  }
  return true;
}

bool path_has_prefix(const char *path, const char *prefix) {
  size_t n = strlen(prefix);
  while (n > 1 && prefix[n - 1] == '/')
    n--;
  if (n == 1 && prefix[0] == '/')
    return path[0] == '/';
  return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

void path_canonical(const char *path, char *out, size_t size) {
  if (path_has_prefix(path, "/var/run"))
    snprintf(out, size, "/run%s", path + strlen("/var/run"));
  else
    snprintf(out, size, "%s", path);
}
