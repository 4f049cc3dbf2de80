/*
 * A strict JSON reader: one pass over the bytes into a tree of linked
 * nodes (three allocations per document), and the edits hardening makes to
 * a copy of it.
 *
 * Why not jansson's parser: shimrun loads a policy, a seccomp profile and a
 * spec on every container create, an admission webhook a spec on every
 * pod; jansson spends ~200 us on an 8 KB spec (a per-character stream, and
 * two mallocs per value).  This reader does the same document in a few
 * microseconds.  Specs, policies and seccomp profiles are all read from
 * the tree itself (a seccomp profile's names point into it), and hardening
 * edits a copy of the checked spec's tree (jtree_copy, jt_*), which
 * json_render_tree writes: one model of the spec from its bytes to
 * runc's.
 *
 * It refuses what could make two readers disagree: duplicate keys (compared
 * after unescaping), invalid UTF-8, lone surrogates, "\u0000", a byte order
 * mark, trailing data, integers outside int64.  Nesting is capped: no spec
 * field is more than a few levels deep.
 */
#include "config.h"
#include "internal.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define JTREE_MAX_DEPTH 64

struct parser {
  const unsigned char *start, *p, *end;
  struct jnode *nodes; /* in document order: a container's subtree follows it */
  uint32_t *sizes;     /* nodes in each one's subtree, itself included */
  size_t count, cap;
  char *out; /* next free byte of the string buffer */
  int depth;
  shim_error *err;
};

static int fail(struct parser *ps, int code, const char *what) {
  /* Line and column (bytes, from 1) of where reading stopped. */
  size_t line = 1, col = 1;
  for (const unsigned char *c = ps->start; c < ps->p && c < ps->end; c++) {
    if (*c == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  return error_set(ps->err, code, "", "line %zu, column %zu: %s", line, col,
                   what);
}

static void skip_ws(struct parser *ps) {
  while (ps->p < ps->end &&
         (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
    ps->p++;
}

static int new_node(struct parser *ps, enum jtype type, const char *key,
                    size_t *index) {
  if (ps->count == ps->cap) {
    size_t cap = ps->cap * 2;
    struct jnode *bigger = realloc(ps->nodes, cap * sizeof *bigger);
    if (bigger)
      ps->nodes = bigger;
    uint32_t *sizes = bigger ? realloc(ps->sizes, cap * sizeof *sizes) : NULL;
    if (!sizes)
      return error_set(ps->err, SHIM_ERR_NOMEM, NULL, "out of memory");
    ps->sizes = sizes;
    ps->cap = cap;
  }
  *index = ps->count++;
  ps->nodes[*index] = (struct jnode){.type = type, .key = key};
  ps->sizes[*index] = 1;
  return 0;
}

static int hex4(const unsigned char *p, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    unsigned char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= c - '0';
    else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
      v |= (c | 0x20) - 'a' + 10;
    else
      return -1;
  }
  *out = v;
  return 0;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end) {
  unsigned char c = p[0];
  size_t n;
  unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
  if (c >= 0xc2 && c <= 0xdf)
    n = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0)
      lo = 0xa0;
    else if (c == 0xed)
      hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0)
      lo = 0x90;
    else if (c == 0xf4)
      hi = 0x8f;
  } else
    return 0;
  if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
    return 0;
  for (size_t i = 2; i < n; i++)
    if ((p[i] & 0xc0) != 0x80)
      return 0;
  return n;
}

static char *put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) {
    *o++ = (char)cp;
  } else if (cp < 0x800) {
    *o++ = (char)(0xc0 | cp >> 6);
    *o++ = (char)(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    *o++ = (char)(0xe0 | cp >> 12);
    *o++ = (char)(0x80 | (cp >> 6 & 0x3f));
    *o++ = (char)(0x80 | (cp & 0x3f));
  } else {
    *o++ = (char)(0xf0 | cp >> 18);
    *o++ = (char)(0x80 | (cp >> 12 & 0x3f));
    *o++ = (char)(0x80 | (cp >> 6 & 0x3f));
    *o++ = (char)(0x80 | (cp & 0x3f));
  }
  return o;
}

/* Reads the string at ps->p (on its opening quote) into the string buffer.
 * The buffer is as large as the document, and no string decodes to more
 * bytes (with its NUL) than it takes in the document (with its quotes). */
static int read_string(struct parser *ps, const char **out, uint32_t *len) {
  const unsigned char *p = ps->p + 1, *end = ps->end;
  char *o = ps->out, *begin = o;
  for (;;) {
    /* Plain ASCII runs are the common case: copy them in one go. */
    const unsigned char *run = p;
    while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
      p++;
    memcpy(o, run, (size_t)(p - run));
    o += p - run;
    if (p == end) {
      ps->p = p;
      return fail(ps, SHIM_ERR_SYNTAX, "unterminated string");
    }
    if (*p == '"')
      break;
    if (*p < 0x20) {
      ps->p = p;
      return fail(ps, SHIM_ERR_SYNTAX, "control character in a string");
    }
    if (*p >= 0x80) {
      size_t n = utf8_len(p, end);
      if (!n) {
        ps->p = p;
        return fail(ps, SHIM_ERR_SYNTAX, "invalid UTF-8");
      }
      memcpy(o, p, n);
      o += n;
      p += n;
      continue;
    }
    /* A backslash escape. */
    ps->p = p;
    if (end - p < 2)
      return fail(ps, SHIM_ERR_SYNTAX, "unterminated string");
    static const char simple_from[] = "\"\\/bfnrt", simple_to[] = "\"\\/\b\f\n\r\t";
    const char *s = p[1] ? strchr(simple_from, p[1]) : NULL;
    if (s) {
      *o++ = simple_to[s - simple_from];
      p += 2;
      continue;
    }
    unsigned cp, lo;
    if (p[1] != 'u' || end - p < 6 || hex4(p + 2, &cp) < 0)
      return fail(ps, SHIM_ERR_SYNTAX, "invalid escape");
    p += 6;
    if (cp >= 0xd800 && cp <= 0xdbff) {
      if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) < 0 ||
          lo < 0xdc00 || lo > 0xdfff)
        return fail(ps, SHIM_ERR_SYNTAX, "lone UTF-16 surrogate");
      cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      p += 6;
    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
      return fail(ps, SHIM_ERR_SYNTAX, "lone UTF-16 surrogate");
    } else if (cp == 0) {
      return fail(ps, SHIM_ERR_SYNTAX, "\\u0000 is not allowed");
    }
    o = put_utf8(o, cp);
  }
  *o++ = '\0';
  ps->p = p + 1;
  ps->out = o;
  *out = begin;
  *len = (uint32_t)(o - begin - 1);
  return 0;
}

static int read_number(struct parser *ps, struct jnode *n) {
  const unsigned char *p = ps->p, *end = ps->end;
  bool neg = p < end && *p == '-';
  if (neg)
    p++;
  if (p == end || *p < '0' || *p > '9')
    return fail(ps, SHIM_ERR_SYNTAX, "invalid number");
  uint64_t mag = 0;
  bool overflow = false;
  if (*p == '0') {
    p++;
  } else {
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
      unsigned d = *p - '0';
      if (mag > (UINT64_MAX - d) / 10)
        overflow = true;
      else
        mag = mag * 10 + d;
    }
  }
  bool real = false;
  if (p < end && *p == '.') {
    real = true;
    if (++p == end || *p < '0' || *p > '9')
      return ps->p = p, fail(ps, SHIM_ERR_SYNTAX, "invalid number");
    while (p < end && *p >= '0' && *p <= '9')
      p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    real = true;
    if (++p < end && (*p == '+' || *p == '-'))
      p++;
    if (p == end || *p < '0' || *p > '9')
      return ps->p = p, fail(ps, SHIM_ERR_SYNTAX, "invalid number");
    while (p < end && *p >= '0' && *p <= '9')
      p++;
  }
  if (real) {
    /* No spec, policy or profile field is a float: kept only for error
     * messages and the serialiser. */
    n->type = J_REAL;
    n->v.real = strtod((const char *)ps->p, NULL);
  } else {
    /* jansson (the writer) holds integers as long long: so do we. */
    if (overflow || mag > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
      return fail(ps, SHIM_ERR_SYNTAX, "integer out of the int64 range");
    n->type = J_INT;
    n->v.num = neg ? (int64_t)(0 - mag) : (int64_t)mag;
  }
  ps->p = p;
  return 0;
}

static int key_cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Duplicate keys: Go keeps the last, a first-match lookup the first. */
static int check_duplicates(struct parser *ps, size_t obj) {
  const struct jnode *nodes = ps->nodes;
  const uint32_t *sizes = ps->sizes;
  size_t end = obj + sizes[obj];
  if (nodes[obj].count < 2)
    return 0;
  const char *dup = NULL;
  if (nodes[obj].count <= 16) {
    for (size_t a = obj + 1; !dup && a < end; a += sizes[a])
      for (size_t b = a + sizes[a]; b < end; b += sizes[b])
        if (strcmp(nodes[a].key, nodes[b].key) == 0) {
          dup = nodes[a].key;
          break;
        }
  } else {
    /* Maps (annotations, sysctl) may be large: sort, compare neighbours. */
    _cleanup_free_ const char **keys = malloc(nodes[obj].count * sizeof *keys);
    if (!keys)
      return error_set(ps->err, SHIM_ERR_NOMEM, NULL, "out of memory");
    size_t k = 0;
    for (size_t a = obj + 1; a < end; a += sizes[a])
      keys[k++] = nodes[a].key;
    qsort(keys, k, sizeof *keys, key_cmp);
    for (size_t i = 1; i < k && !dup; i++)
      if (strcmp(keys[i - 1], keys[i]) == 0)
        dup = keys[i];
  }
  if (!dup)
    return 0;
  char msg[300];
  snprintf(msg, sizeof msg, "duplicate key \"%.200s\"", dup);
  return fail(ps, SHIM_ERR_SYNTAX, msg);
}

static int read_value(struct parser *ps, const char *key);

/* Objects and arrays: ps->p is on the opening bracket. */
static int read_container(struct parser *ps, const char *key, bool object) {
  if (++ps->depth > JTREE_MAX_DEPTH)
    return fail(ps, SHIM_ERR_LIMIT, "nested too deeply");
  size_t self;
  int ret = new_node(ps, object ? J_OBJECT : J_ARRAY, key, &self);
  if (ret < 0)
    return ret;
  const unsigned char close = object ? '}' : ']';
  uint32_t count = 0;
  ps->p++;
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == close) {
    ps->p++;
  } else {
    for (;;) {
      const char *member = NULL;
      if (object) {
        skip_ws(ps);
        if (ps->p == ps->end || *ps->p != '"')
          return fail(ps, SHIM_ERR_SYNTAX, "expected a key");
        uint32_t len;
        if ((ret = read_string(ps, &member, &len)) < 0)
          return ret;
        skip_ws(ps);
        if (ps->p == ps->end || *ps->p != ':')
          return fail(ps, SHIM_ERR_SYNTAX, "expected ':'");
        ps->p++;
      }
      if ((ret = read_value(ps, member)) < 0)
        return ret;
      count++;
      skip_ws(ps);
      if (ps->p < ps->end && *ps->p == ',') {
        ps->p++;
        continue;
      }
      if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        break;
      }
      return fail(ps, SHIM_ERR_SYNTAX, object ? "expected ',' or '}'"
                                              : "expected ',' or ']'");
    }
  }
  ps->nodes[self].count = count;
  ps->sizes[self] = (uint32_t)(ps->count - self);
  ps->depth--;
  return object ? check_duplicates(ps, self) : 0;
}

static int read_value(struct parser *ps, const char *key) {
  skip_ws(ps);
  if (ps->p == ps->end)
    return fail(ps, SHIM_ERR_SYNTAX, "unexpected end of input");
  static const struct {
    const char *word;
    size_t len;
    enum jtype type;
  } words[] = {{"true", 4, J_TRUE}, {"false", 5, J_FALSE}, {"null", 4, J_NULL}};
  size_t self;
  int ret;
  switch (*ps->p) {
  case '{':
  case '[':
    return read_container(ps, key, *ps->p == '{');
  case '"':
    if ((ret = new_node(ps, J_STRING, key, &self)) < 0)
      return ret;
    const char *s;
    uint32_t len;
    if ((ret = read_string(ps, &s, &len)) < 0)
      return ret;
    ps->nodes[self].v.str = s;
    ps->nodes[self].count = len;
    return 0;
  case 't':
  case 'f':
  case 'n':
    for (size_t i = 0; i < ARRAY_SIZE(words); i++)
      if ((size_t)(ps->end - ps->p) >= words[i].len &&
          memcmp(ps->p, words[i].word, words[i].len) == 0) {
        ps->p += words[i].len;
        return new_node(ps, words[i].type, key, &self);
      }
    return fail(ps, SHIM_ERR_SYNTAX, "invalid literal");
  default:
    if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) {
      if ((ret = new_node(ps, J_INT, key, &self)) < 0)
        return ret;
      return read_number(ps, &ps->nodes[self]);
    }
    return fail(ps, SHIM_ERR_SYNTAX, "unexpected character");
  }
}

/* Links each container to its first child and each child to its next
 * sibling, from the sizes of their subtrees: from then on the nodes can
 * be edited, and the sizes are not needed. */
static void link_nodes(struct jnode *nodes, const uint32_t *sizes, size_t count) {
  for (size_t i = 0; i < count; i++) {
    struct jnode *n = &nodes[i];
    if ((n->type != J_OBJECT && n->type != J_ARRAY) || !n->count)
      continue;
    size_t child = i + 1;
    n->first = &nodes[child];
    for (uint32_t k = 1; k < n->count; k++, child += sizes[child])
      nodes[child].next = &nodes[child + sizes[child]];
  }
}

/* An input document: present (unless empty) and within the size limit. */
static int check_document(const char *data, size_t len, shim_error *err) {
  if (!data && len)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no data");
  if (len > SHIM_MAX_DOCUMENT_BYTES)
    return error_set(err, SHIM_ERR_LIMIT, NULL,
                     "%zu bytes, larger than the limit of %u bytes", len,
                     SHIM_MAX_DOCUMENT_BYTES);
  return 0;
}

int jtree_parse(const char *data, size_t len, struct jtree *out,
                shim_error *err) {
  int ret = check_document(data, len, err);
  if (ret < 0)
    return ret;
  struct parser ps = {
      .start = (const unsigned char *)(data ? data : ""),
      .cap = len / 16 + 16, /* a spec has a node every ~20 bytes */
      .err = err,
  };
  ps.p = ps.start;
  ps.end = ps.start + len;
  _cleanup_free_ char *strings = malloc(len + 1);
  ps.sizes = malloc(ps.cap * sizeof *ps.sizes);
  ps.nodes = malloc(ps.cap * sizeof *ps.nodes);
  ps.out = strings;
  ret = strings && ps.sizes && ps.nodes
            ? 0
            : error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  if (ret == 0)
    ret = read_value(&ps, NULL);
  if (ret == 0) {
    skip_ws(&ps);
    if (ps.p != ps.end)
      ret = fail(&ps, SHIM_ERR_SYNTAX, "data after the document");
    else if (ps.nodes[0].type != J_OBJECT)
      ret = error_set(err, SHIM_ERR_SCHEMA, "", "expected an object");
  }
  if (ret == 0)
    link_nodes(ps.nodes, ps.sizes, ps.count);
  free(ps.sizes);
  if (ret < 0) {
    free(ps.nodes);
    return ret;
  }
  *out = (struct jtree){.nodes = ps.nodes, .count = ps.count,
                        .strings = steal_ptr(strings)};
  return 0;
}

/* What edits add comes from chunks freed with the tree, never one by one:
 * a removed node simply stays unused until then. */
struct jchunk {
  struct jchunk *prev;
  size_t used, cap;
  max_align_t data[];
};

void jtree_free(struct jtree *t) {
  free(t->nodes);
  free(t->strings);
  while (t->added) {
    struct jchunk *prev = t->added->prev;
    free(t->added);
    t->added = prev;
  }
  *t = (struct jtree){0};
}

/* ---- Reading the tree ------------------------------------------------------ */

/* Go leaves a field at its zero value on null: to readers, a null member
 * is an absent one. */
static const struct jnode *skip_null(const struct jnode *parent,
                                     const struct jnode *n) {
  if (parent->type == J_OBJECT)
    while (n && n->type == J_NULL)
      n = n->next;
  return n;
}

const struct jnode *jv_first(const struct jnode *parent) {
  if (!parent || (parent->type != J_OBJECT && parent->type != J_ARRAY))
    return NULL;
  return skip_null(parent, parent->first);
}

const struct jnode *jv_next(const struct jnode *parent,
                            const struct jnode *child) {
  return skip_null(parent, child->next);
}

const struct jnode *jv_get(const struct jnode *obj, const char *key) {
  if (!obj || obj->type != J_OBJECT)
    return NULL;
  jv_foreach(obj, m) {
    if (strcmp(m->key, key) == 0)
      return m;
  }
  return NULL;
}

const char *jv_str(const struct jnode *n) {
  return n && n->type == J_STRING ? n->v.str : NULL;
}

int64_t jv_int(const struct jnode *n) {
  return n && n->type == J_INT ? n->v.num : 0;
}

bool jv_is_true(const struct jnode *n) { return n && n->type == J_TRUE; }

size_t jv_count(const struct jnode *n) {
  return n && n->type == J_ARRAY ? n->count : 0;
}

bool jv_has_string(const struct jnode *array, const char *s) {
  jv_foreach(array, v) {
    if (v->type == J_STRING && strcmp(v->v.str, s) == 0)
      return true;
  }
  return false;
}


/* ---- Editing a copy ---------------------------------------------------------- */

int jtree_copy(const struct jtree *from, struct jtree *to, shim_error *err) {
  struct jnode *nodes = malloc(from->count * sizeof *nodes);
  if (!nodes)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  memcpy(nodes, from->nodes, from->count * sizeof *nodes);
  /* The same links, into the copy: a parsed tree's nodes are one array. */
  for (size_t i = 0; i < from->count; i++) {
    if (nodes[i].first)
      nodes[i].first = nodes + (nodes[i].first - from->nodes);
    if (nodes[i].next)
      nodes[i].next = nodes + (nodes[i].next - from->nodes);
  }
  *to = (struct jtree){.nodes = nodes, .count = from->count};
  return 0;
}

static void *jt_alloc(struct jtree *t, size_t n) {
  n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t);
  struct jchunk *c = t->added;
  if (t->failed)
    return NULL;
  if (!c || c->cap - c->used < n) {
    size_t cap = n > 256 ? n : 256; /* 4 KB: the sandbox profile takes a few */
    c = malloc(sizeof *c + cap * sizeof(max_align_t));
    if (!c) {
      t->failed = true;
      return NULL;
    }
    *c = (struct jchunk){.prev = t->added, .cap = cap};
    t->added = c;
  }
  void *p = &c->data[c->used];
  c->used += n;
  return p;
}

static struct jnode *jt_new(struct jtree *t, enum jtype type) {
  struct jnode *n = jt_alloc(t, sizeof *n);
  if (n)
    *n = (struct jnode){.type = type};
  return n;
}

static const char *jt_strdup(struct jtree *t, const char *s, size_t len) {
  char *copy = jt_alloc(t, len + 1);
  if (copy) {
    memcpy(copy, s, len);
    copy[len] = '\0';
  }
  return copy;
}

struct jnode *jt_string(struct jtree *t, const char *s) {
  size_t len = strlen(s);
  struct jnode *n = jt_new(t, J_STRING);
  if (n && !(n->v.str = jt_strdup(t, s, len)))
    return NULL;
  if (n)
    n->count = (uint32_t)len;
  return n;
}

struct jnode *jt_int(struct jtree *t, int64_t v) {
  struct jnode *n = jt_new(t, J_INT);
  if (n)
    n->v.num = v;
  return n;
}

struct jnode *jt_true(struct jtree *t) { return jt_new(t, J_TRUE); }
struct jnode *jt_array(struct jtree *t) { return jt_new(t, J_ARRAY); }
struct jnode *jt_object(struct jtree *t) { return jt_new(t, J_OBJECT); }

struct jnode *jt_strings(struct jtree *t, const char *const *items, size_t n) {
  struct jnode *a = jt_array(t), **end = a ? &a->first : NULL;
  for (size_t i = 0; end && i < n; i++) { /* long lists: no walk to the end */
    if (!(*end = jt_string(t, items[i])))
      return NULL;
    end = &(*end)->next;
  }
  if (a)
    a->count = (uint32_t)n;
  return a;
}

struct jnode *jt_get(struct jnode *obj, const char *key) {
  return (struct jnode *)jv_get(obj, key);
}

/* The member named key, null or not (jv_get skips null ones), and the one
 * before it. */
static struct jnode *member(struct jnode *obj, const char *key, struct jnode **before) {
  *before = NULL;
  for (struct jnode *m = obj->first; m; *before = m, m = m->next)
    if (strcmp(m->key, key) == 0)
      return m;
  return NULL;
}

/* Puts v in place of n, in n's parent, where before was n's sibling before. */
static void replace(struct jnode *parent, struct jnode *before, struct jnode *n,
                    struct jnode *v) {
  v->next = n->next;
  if (before)
    before->next = v;
  else
    parent->first = v;
}

struct jnode *jt_append(struct jnode *parent, struct jnode *v) {
  if (!parent || !v)
    return NULL;
  struct jnode **end = &parent->first;
  while (*end)
    end = &(*end)->next;
  *end = v;
  v->next = NULL;
  parent->count++;
  return v;
}

struct jnode *jt_set(struct jtree *t, struct jnode *obj, const char *key,
                     struct jnode *v) {
  if (!obj || !v || !(v->key = jt_strdup(t, key, strlen(key))))
    return NULL;
  struct jnode *before, *had = member(obj, key, &before);
  if (!had)
    return jt_append(obj, v);
  replace(obj, before, had, v);
  return v;
}

struct jnode *jt_member(struct jtree *t, struct jnode *obj, const char *key,
                        enum jtype type) {
  struct jnode *had = jt_get(obj, key);
  return had ? had : jt_set(t, obj, key, jt_new(t, type));
}

void jt_remove(struct jnode *parent, struct jnode *child) {
  struct jnode *before = NULL;
  for (struct jnode *n = parent->first; n; before = n, n = n->next)
    if (n == child) {
      if (before)
        before->next = n->next;
      else
        parent->first = n->next;
      parent->count--;
      return;
    }
}

void jt_del(struct jnode *obj, const char *key) {
  struct jnode *before, *had = obj ? member(obj, key, &before) : NULL;
  if (had)
    jt_remove(obj, had);
}

/* Objects are equal whatever their members' order, as a reader sees them:
 * null members are absent ones. */
bool jt_equal(const struct jnode *a, const struct jnode *b) {
  if (!a || !b || a->type != b->type)
    return a == b;
  switch ((enum jtype)a->type) {
  case J_NULL:
  case J_TRUE:
  case J_FALSE:
    return true;
  case J_INT:
    return a->v.num == b->v.num;
  case J_REAL:
    return a->v.real == b->v.real;
  case J_STRING:
    return a->count == b->count && memcmp(a->v.str, b->v.str, a->count) == 0;
  case J_ARRAY: {
    const struct jnode *x = jv_first(a), *y = jv_first(b);
    for (; x && y; x = jv_next(a, x), y = jv_next(b, y))
      if (!jt_equal(x, y))
        return false;
    return !x && !y;
  }
  case J_OBJECT: {
    size_t na = 0, nb = 0;
    jv_foreach(a, m) {
      if (!jt_equal(m, jv_get(b, m->key)))
        return false;
      na++;
    }
    jv_foreach(b, m) nb++;
    return na == nb;
  }
  }
  return false;
}
