/* Reading untrusted JSON within limits, JSON pointers, serialisation. */
#include "config.h"
#include "internal.h"

#include <errno.h>
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

int check_document(const char *data, size_t len, shim_error *err) {
  if (!data && len)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no data");
  if (len > SHIM_MAX_DOCUMENT_BYTES)
    return error_set(err, SHIM_ERR_LIMIT, NULL,
                     "%zu bytes, larger than the limit of %u bytes", len,
                     SHIM_MAX_DOCUMENT_BYTES);
  return 0;
}

int json_parse_strict(const char *data, size_t len, json_t **out,
                      shim_error *err) {
  struct jtree tree;
  int ret = jtree_parse(data, len, &tree, err);
  if (ret < 0)
    return ret;
  json_t *doc = jtree_to_json(tree.nodes);
  jtree_free(&tree);
  if (!doc)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  *out = doc;
  return 0;
}

int json_render(const json_t *doc, bool pretty, char **out, shim_error *err) {
  char *s = json_dumps(doc, (pretty ? JSON_INDENT(2) : JSON_COMPACT) |
                                JSON_PRESERVE_ORDER);
  size_t n = s ? strlen(s) : 0;
  /* A text file ends with a newline (diff, cat, editors expect it). */
  char *line = s ? realloc(s, n + 2) : NULL;
  if (!line) {
    free(s);
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  memcpy(line + n, "\n", 2);
  *out = line;
  return 0;
}
