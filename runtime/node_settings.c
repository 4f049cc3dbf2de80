/* shimrun's settings on a node: see node_settings.h. */
#include "config.h"
#include "node_settings.h"

#include "files.h"
#include "internal.h"

#include <fcntl.h>
#include <stdio.h>

#define SETTINGS "/etc/shim/shimrun.json"

void node_settings_read(const char *root, struct node_settings *out) {
  static const struct {
    const char *key, *fallback;
    size_t offset;
  } fields[] = {
      {"auditLog", "/var/log/shimrun/audit.log", offsetof(struct node_settings, audit_log)},
      {"stateDir", "/run/shimrun", offsetof(struct node_settings, state_dir)},
      {"policy", "", offsetof(struct node_settings, policy)},
  };
  _cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_free_ char *text = NULL;
  size_t len;
  _cleanup_json_ json_t *doc = NULL;
  if (rootfd >= 0 && read_in_root(rootfd, SETTINGS, SHIM_MAX_DOCUMENT_BYTES, &text, &len) == 0)
    doc = json_loadb(text, len, 0, NULL);
  for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
    const char *v = json_string_value(json_object_get(doc, fields[i].key));
    snprintf((char *)out + fields[i].offset, sizeof out->audit_log, "%s",
             v ? v : fields[i].fallback);
  }
}
