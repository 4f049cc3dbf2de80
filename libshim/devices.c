/*
 * Device nodes the admin allows (controls.host-devices.allowed): reading
 * the rules from a policy, rendering them, and matching a spec's device
 * against them and against the node the host really has (a host fact).
 *
 * A rule: {"path": "/dev/nvidia[0-9]*", "type": "c", "major": 195,
 *          "minors": [0, 253], "access": "rw"}
 *   path    fnmatch(3) pattern, '*' not crossing '/', under /dev/ with at
 *           least one literal character after it (not "/dev/" then a wildcard: all)
 *   type    "c": block devices are never listed (a disk is the host's data)
 *   major   optional; absent for majors the kernel hands out at load time
 *           (nvidia-uvm): then the host node's numbers are the only test
 *   minors  optional inclusive range
 *   access  what cgroup rules for the device may allow, within "rwm"
 *
 * Either way the spec's major:minor must be those of the host's node at
 * that path: a rule names a device, not a path that could be pointed at
 * another one.
 */
#include "config.h"
#include "internal.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define MINOR_MAX ((INT64_C(1) << 20) - 1) /* the kernel's MINORBITS */
#define MAJOR_MAX ((INT64_C(1) << 12) - 1)

static void rule_clear(void *rule) { free(((struct device_rule *)rule)->path); }

/* "/dev/" then a literal character before any wildcard, and no "." or ".."
 * component. */
static bool pattern_is_narrow(const char *pattern) {
  if (strncmp(pattern, "/dev/", 5) != 0 || !path_is_clean(pattern))
    return false;
  return pattern[5] && !strchr("*?[\\/", pattern[5]);
}

static bool access_is_valid(const char *access) {
  if (!*access || strlen(access) > 3)
    return false;
  for (const char *a = access; *a; a++)
    if (!strchr("rwm", *a) || strchr(a + 1, *a))
      return false;
  return true;
}

static int parse_rule(const struct jnode *v, struct jptr *p, void *rule, shim_error *err) {
  struct device_rule *out = rule;
  if (v->type != J_OBJECT)
    return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                     "expected {\"path\", \"type\", \"major\", \"minors\", \"access\"}");
  *out = (struct device_rule){.major = -1, .minor_lo = 0, .minor_hi = MINOR_MAX};
  snprintf(out->access, sizeof out->access, "rwm");
  jv_foreach(v, f) {
    const char *key = f->key;
    size_t mark = jptr_push_key(p, key);
    const char *s = jv_str(f);
    if (strcmp(key, "path") == 0) {
      if (!s || !pattern_is_narrow(s))
        return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                         "expected a clean pattern under /dev/ that starts "
                         "with a literal name (\"/dev/nvidia[0-9]*\")");
      if (!(out->path = strdup(s)))
        return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
    } else if (strcmp(key, "type") == 0) {
      if (!s || strcmp(s, "c") != 0)
        return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                         "expected \"c\": only character devices can be "
                         "listed (a block device is the host's disk)");
    } else if (strcmp(key, "major") == 0) {
      int64_t m = jv_int(f);
      if (f->type != J_INT || m < 0 || m > MAJOR_MAX)
        return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                         "expected a major number (0-%lld)", (long long)MAJOR_MAX);
      /* Major 1 is memory: /dev/mem, /dev/kmem, /dev/port, /dev/kmsg. The
       * harmless ones (null, zero, ...) every container has anyway. */
      if (m == 1)
        return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                         "major 1 is the host's memory devices (/dev/mem, "
                         "/dev/port, /dev/kmsg): never allowed");
      out->major = m;
    } else if (strcmp(key, "minors") == 0) {
      const struct jnode *lo = jv_first(f), *hi = lo ? jv_next(f, lo) : NULL;
      if (jv_count(f) != 2 || lo->type != J_INT || hi->type != J_INT ||
          lo->v.num < 0 || lo->v.num > hi->v.num || hi->v.num > MINOR_MAX)
        return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                         "expected [first, last] minor numbers, 0 <= first <= last");
      out->minor_lo = lo->v.num;
      out->minor_hi = hi->v.num;
    } else if (strcmp(key, "access") == 0) {
      if (!s || !access_is_valid(s))
        return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                         "expected some of \"rwm\", each at most once");
      snprintf(out->access, sizeof out->access, "%s", s);
    } else {
      return error_set(err, SHIM_ERR_SCHEMA, p->buf, "unknown field");
    }
    jptr_pop(p, mark);
  }
  if (!out->path || !jv_get(v, "type"))
    return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                     "a device rule needs \"path\" and \"type\"");
  return 0;
}

static json_t *rule_render(const void *rule) {
  const struct device_rule *r = rule;
  json_t *o = json_pack("{s:s, s:s, s:[I, I], s:s}", "path", r->path, "type", "c",
                        "minors", (json_int_t)r->minor_lo, (json_int_t)r->minor_hi,
                        "access", r->access);
  if (o && r->major >= 0)
    json_object_set_new(o, "major", json_integer(r->major));
  return o;
}

const struct rule_kind device_rule_kind = {sizeof(struct device_rule),
                                           parse_rule, rule_clear, rule_render};

const struct device_rule *device_rule_find(const struct rules *devices,
                                           const char *path, int64_t major,
                                           int64_t minor) {
  /* Whatever a rule without a major says: see parse_rule. */
  if (major == 1)
    return NULL;
  const struct device_rule *rules = devices->items;
  for (size_t i = 0; i < devices->count; i++) {
    const struct device_rule *r = &rules[i];
    if (fnmatch(r->path, path, FNM_PATHNAME | FNM_PERIOD) == 0 &&
        (r->major < 0 || r->major == major) && minor >= r->minor_lo &&
        minor <= r->minor_hi)
      return r;
  }
  return NULL;
}

int device_host_node(const shim_fact *f, const char *path, int64_t major,
                     int64_t minor, char *why, size_t why_size) {
  if (!f)
    snprintf(why, why_size, "no host facts say what the host has at %s", path);
  else if (f->error)
    snprintf(why, why_size, "the host has no node %s (%s)", path, strerror(f->error));
  else if (f->link || !S_ISCHR(f->mode)) /* a link could lead to another device */
    snprintf(why, why_size, "the host's %s is not a character device", path);
  else if (f->major != major || f->minor != minor)
    snprintf(why, why_size, "the host's %s is c %u:%u, not %lld:%lld", path, f->major,
             f->minor, (long long)major, (long long)minor);
  else if (f->path_writable) /* runc binds it by name, later */
    snprintf(why, why_size, "a directory on the path of the host's %s may be written by "
                            "another user than root: the node could be replaced after "
                            "this check", path);
  else
    return 0;
  return -1;
}
