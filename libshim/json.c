/* Reading untrusted JSON within limits, JSON pointers, serialisation. */
#include "config.h"
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static size_t jptr_append(struct jptr *p, const char *s, size_t n) {
  size_t old = p->len;
  static const char ellipsis[] = "...";
  if (p->len + n + 1 > sizeof p->buf - sizeof ellipsis) {
    /* Only people read pointers; a cut one still shows where to look. */
    memcpy(p->buf + p->len, ellipsis, sizeof ellipsis);
    p->len += sizeof ellipsis - 1;
    return old;
  }
  memcpy(p->buf + p->len, s, n);
  p->len += n;
  p->buf[p->len] = '\0';
  return old;
}

size_t jptr_push_key(struct jptr *p, const char *key) {
  size_t old = jptr_append(p, "/", 1);
  /* RFC 6901: '~' is written "~0" and '/' is written "~1". */
  for (const char *c = key; *c; c++) {
    if (*c == '~')
      jptr_append(p, "~0", 2);
    else if (*c == '/')
      jptr_append(p, "~1", 2);
    else
      jptr_append(p, c, 1);
  }
  return old;
}

size_t jptr_push_index(struct jptr *p, size_t index) {
  /* Called for every array item of every document: no printf. */
  char buf[32], *c = buf + sizeof buf;
  do
    *--c = (char)('0' + index % 10);
  while (index /= 10);
  *--c = '/';
  return jptr_append(p, c, (size_t)(buf + sizeof buf - c));
}

void jptr_pop(struct jptr *p, size_t len) {
  p->len = len;
  p->buf[len] = '\0';
}

int read_fd_limited(int fd, char **out, size_t *len, shim_error *err) {
  size_t cap = 64 * 1024, used = 0;
  _cleanup_free_ char *buf = malloc(cap);
  if (!buf)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  /* Room for one byte past the limit tells "too large" apart from
   * "exactly at the limit" without reading more. */
  const size_t most = SHIM_MAX_DOCUMENT_BYTES + 1;
  for (;;) {
    if (used == cap) {
      if (cap == most)
        break;
      size_t bigger_cap = cap * 2 < most ? cap * 2 : most;
      char *bigger = realloc(buf, bigger_cap);
      if (!bigger)
        return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
      buf = bigger;
      cap = bigger_cap;
    }
    ssize_t n = read(fd, buf + used, cap - used);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return error_sys(err, SHIM_ERR_IO, errno, NULL, "read failed");
    if (n == 0)
      break;
    used += (size_t)n;
  }
  if (used > SHIM_MAX_DOCUMENT_BYTES)
    return error_set(err, SHIM_ERR_LIMIT, NULL,
                     "larger than the limit of %u bytes",
                     SHIM_MAX_DOCUMENT_BYTES);
  *out = steal_ptr(buf);
  *len = used;
  return 0;
}

int read_file_limited(const char *path, char **out, size_t *len,
                      shim_error *err) {
  /* O_NONBLOCK: a FIFO planted in place of a file must not hang us. */
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "cannot open");
  struct stat st;
  if (fstat(fd, &st) < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "cannot stat");
  if (!S_ISREG(st.st_mode))
    return error_set(err, SHIM_ERR_IO, NULL, "not a regular file");
  if ((uint64_t)st.st_size > SHIM_MAX_DOCUMENT_BYTES)
    return error_set(err, SHIM_ERR_LIMIT, NULL,
                     "%lld bytes, larger than the limit of %u bytes",
                     (long long)st.st_size, SHIM_MAX_DOCUMENT_BYTES);
  return read_fd_limited(fd, out, len, err);
}

int jv_expect_array(const struct jnode *v, struct jptr *p, shim_error *err) {
  if (!v || v->type != J_ARRAY)
    return error_set(err, SHIM_ERR_SCHEMA, p->buf, "expected an array");
  if (v->count > SHIM_MAX_ARRAY_ITEMS)
    return error_set(err, SHIM_ERR_LIMIT, p->buf, "more than %d items",
                     SHIM_MAX_ARRAY_ITEMS);
  return 0;
}

int jv_read_strings(const struct jnode *v, struct jptr *p, bool (*valid)(const char *),
                    const char *expected, struct strlist *out, shim_error *err) {
  int ret = jv_expect_array(v, p, err);
  if (ret < 0)
    return ret;
  _cleanup_(cleanup_strlistp) struct strlist l = {calloc(v->count + 1, sizeof(char *)), 0};
  if (!l.items)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  size_t i = 0;
  jv_foreach_i(v, i, item) {
    size_t mark = jptr_push_index(p, i);
    const char *s = jv_str(item);
    if (!s || !*s)
      return error_set(err, SHIM_ERR_SCHEMA, p->buf, "expected a non-empty string");
    if (valid && !valid(s))
      return error_set(err, SHIM_ERR_SCHEMA, p->buf, "%s", expected);
    if (!(l.items[l.count++] = strdup(s)))
      return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
    jptr_pop(p, mark);
  }
  strlist_clear(out);
  *out = l;
  l = (struct strlist){0};
  return 0;
}

int jv_read_caps(const struct jnode *v, struct jptr *p, uint64_t *out, shim_error *err) {
  int ret = jv_expect_array(v, p, err);
  if (ret < 0)
    return ret;
  uint64_t set = 0;
  size_t i = 0;
  jv_foreach_i(v, i, item) {
    size_t mark = jptr_push_index(p, i);
    int cap = jv_str(item) ? cap_from_name(jv_str(item)) : -1;
    if (cap < 0)
      return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                       "expected a capability name such as \"CAP_CHOWN\"");
    set |= UINT64_C(1) << cap;
    jptr_pop(p, mark);
  }
  *out = set;
  return 0;
}

/* ---- Serialisation ------------------------------------------------------------- */

/* Byte for byte what jansson's json_dumps writes (JSON_INDENT(2) or
 * JSON_COMPACT, keys in document order: tests/unit/test_spec.c compares
 * the two), in a tenth of its instructions: jansson validates every
 * string's UTF-8 again and writes through a callback per piece, which was
 * a sixth of a create.  A tree's strings are valid UTF-8 already. */
struct out {
  char *buf;
  size_t len, cap;
  bool failed;
};

static void put(struct out *o, const char *s, size_t n) {
  if (o->failed)
    return;
  if (o->len + n + 2 > o->cap) {
    size_t cap = o->cap ? o->cap : 4096;
    while (o->len + n + 2 > cap)
      cap *= 2;
    char *bigger = realloc(o->buf, cap);
    if (!bigger) {
      o->failed = true;
      return;
    }
    o->buf = bigger;
    o->cap = cap;
  }
  memcpy(o->buf + o->len, s, n);
  o->len += n;
}

static void newline(struct out *o, bool pretty, int depth) {
  static const char spaces[] = "                                ";
  if (!pretty)
    return;
  put(o, "\n", 1);
  for (size_t n = (size_t)depth * 2; n > 0;) {
    size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
    put(o, spaces, k);
    n -= k;
  }
}

static void put_string(struct out *o, const char *s, size_t len) {
  put(o, "\"", 1);
  size_t run = 0; /* bytes written as they are, not yet copied */
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') {
      run++;
      continue;
    }
    put(o, s + i - run, run);
    run = 0;
    char esc[8];
    const char *short_form = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
                             : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                             : c == '\t' ? "\\t" : NULL;
    if (short_form) {
      put(o, short_form, 2);
    } else {
      snprintf(esc, sizeof esc, "\\u%04X", c);
      put(o, esc, 6);
    }
  }
  put(o, s + len - run, run);
  put(o, "\"", 1);
}

static void put_node(struct out *o, const struct jnode *n, bool pretty, int depth) {
  char num[32];
  switch ((enum jtype)n->type) {
  case J_OBJECT:
  case J_ARRAY: {
    bool object = n->type == J_OBJECT;
    put(o, object ? "{" : "[", 1);
    const struct jnode *c = jv_first(n); /* null members are absent ones */
    for (; c; c = jv_next(n, c)) {
      newline(o, pretty, depth + 1);
      if (object) {
        put_string(o, c->key, strlen(c->key));
        put(o, ": ", pretty ? 2 : 1);
      }
      put_node(o, c, pretty, depth + 1);
      if (jv_next(n, c))
        put(o, ",", 1);
    }
    if (jv_first(n))
      newline(o, pretty, depth);
    put(o, object ? "}" : "]", 1);
    return;
  }
  case J_STRING:
    put_string(o, n->v.str, n->count);
    return;
  case J_INT:
    put(o, num, (size_t)snprintf(num, sizeof num, "%" PRId64, n->v.num));
    return;
  case J_REAL: { /* rare in a spec: jansson's own digits */
    _cleanup_json_ json_t *real = json_real(n->v.real);
    char *text = real ? json_dumps(real, JSON_ENCODE_ANY) : NULL;
    if (text)
      put(o, text, strlen(text));
    else
      o->failed = true;
    free(text);
    return;
  }
  case J_TRUE:
    put(o, "true", 4);
    return;
  case J_FALSE:
    put(o, "false", 5);
    return;
  case J_NULL:
    put(o, "null", 4);
    return;
  }
}

int json_render_tree(const struct jnode *n, bool pretty, char **out, shim_error *err) {
  struct out o = {0};
  put_node(&o, n, pretty, 0);
  /* A text file ends with a newline (diff, cat, editors expect it). */
  put(&o, "\n", 1);
  if (o.failed) {
    free(o.buf);
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  o.buf[o.len] = '\0';
  *out = o.buf;
  return 0;
}

/* Documents built with jansson (reports, audit records, a policy) are
 * small: jansson writes them. */
int json_render(const json_t *doc, bool pretty, char **out, shim_error *err) {
  char *text = json_dumps(doc, (pretty ? JSON_INDENT(2) : JSON_COMPACT) |
                                   JSON_PRESERVE_ORDER);
  size_t n = text ? strlen(text) : 0;
  char *line = text ? realloc(text, n + 2) : NULL;
  if (!line) {
    free(text);
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  memcpy(line + n, "\n", 2);
  *out = line;
  return 0;
}

json_t *json_array_find(const json_t *array, const char *key, const char *value) {
  size_t i;
  json_t *item;
  json_array_foreach((json_t *)array, i, item) {
    const char *v = json_string_value(json_object_get(item, key));
    if (v && strcmp(v, value) == 0)
      return item;
  }
  return NULL;
}
