/* Capability names, through libcap-ng so that names and numbers agree with
 * the library that applies them. */
#include "config.h"
#include "internal.h"

#include <cap-ng.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

int cap_from_name(const char *name) {
  /* runc only knows the exact upper-case "CAP_" form and ignores any other
   * spelling; libcap-ng is case-insensitive.  Demand runc's form so that a
   * name we count is a name runc applies. */
  if (strncmp(name, "CAP_", 4) != 0 || !name[4])
    return -1;
  if (!isupper((unsigned char)name[4])) /* libcap-ng also takes numbers */
    return -1;
  for (const char *c = name + 4; *c; c++)
    if (!(isupper((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_'))
      return -1;
  int cap = capng_name_to_capability(name + 4);
  if (cap < 0 || cap >= 64)
    return -1;
  return cap;
}

void cap_to_name(int cap, char *buf, size_t size) {
  const char *name = capng_capability_to_name((unsigned)cap);
  if (!name) {
    snprintf(buf, size, "CAP_%d", cap);
    return;
  }
  int n = snprintf(buf, size, "CAP_%s", name);
  for (int i = 4; i < n && (size_t)i < size; i++)
    buf[i] = (char)toupper((unsigned char)buf[i]);
}
