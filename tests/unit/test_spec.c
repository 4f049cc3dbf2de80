/* The spec loader: untrusted input, and documents runc could read
 * differently.  Table-driven: input -> error code and JSON pointer. */
#include "config.h"
#include "test.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct load_case {
  const char *name;
  const char *json;
  int code;            /* expected shim_errc, SHIM_OK to load */
  const char *pointer; /* expected pointer on error */
} load_cases[] = {
    {"minimal", "{\"ociVersion\":\"1.0.2\"}", SHIM_OK, NULL},
    {"empty object", "{}", SHIM_OK, NULL},
    {"empty input", "", SHIM_ERR_SYNTAX, ""},
    {"garbage", "\x01\x02garbage", SHIM_ERR_SYNTAX, ""},
    {"truncated", "{\"process\": {\"args\": [\"sh\"", SHIM_ERR_SYNTAX, ""},
    {"trailing data", "{} {}", SHIM_ERR_SYNTAX, ""},
    {"top-level array", "[]", SHIM_ERR_SCHEMA, ""},
    {"byte order mark", "\xef\xbb\xbf{}", SHIM_ERR_SYNTAX, ""},
    {"invalid utf-8", "{\"hostname\":\"\xff\"}", SHIM_ERR_SYNTAX, ""},
    {"lone surrogate", "{\"hostname\":\"\\ud800\"}", SHIM_ERR_SYNTAX, ""},
    {"nul escape", "{\"hostname\":\"a\\u0000b\"}", SHIM_ERR_SYNTAX, ""},
    {"duplicate key", "{\"hostname\":\"a\",\"hostname\":\"b\"}", SHIM_ERR_SYNTAX, ""},
    {"duplicate key by escape", "{\"hostname\":\"a\",\"\\u0068ostname\":\"b\"}",
     SHIM_ERR_SYNTAX, ""},
    {"nested duplicate",
     "{\"linux\":{\"namespaces\":[{\"type\":\"pid\",\"type\":\"network\"}]}}",
     SHIM_ERR_SYNTAX, ""},
    /* Go would match these case-insensitively to "process" */
    {"case-folded key", "{\"Process\":{}}", SHIM_ERR_SCHEMA, "/Process"},
    {"unicode-folded key", "{\"proce\xc5\xbfs\":{}}", SHIM_ERR_SCHEMA,
     "/proce\xc5\xbfs"},
    {"kelvin-folded key", "{\"linux\":{\"mas\xe2\x84\xaa" "edPaths\":[]}}",
     SHIM_ERR_SCHEMA, "/linux/mas\xe2\x84\xaa" "edPaths"},
    {"dotless-i-folded key", "{\"l\xc4\xb1nux\":{}}", SHIM_ERR_SCHEMA, "/l\xc4\xb1nux"},
    /* Keys that fold to no field: ignored, as the runtime-spec asks. */
    {"unknown field", "{\"process\":{\"privileged\":true}}", SHIM_OK, NULL},
    {"unknown top-level property", "{\"unknown\":{\"Process\":[1]}}", SHIM_OK, NULL},
    {"windows section", "{\"windows\":{}}", SHIM_OK, NULL},
    /* runtime-spec 1.3: schemata became lines; 1.2's single string stays. */
    {"intelRdt schemata, 1.2", "{\"linux\":{\"intelRdt\":{\"schemata\":\"L3:0=7f0\"}}}",
     SHIM_OK, NULL},
    {"intelRdt schemata, 1.3", "{\"linux\":{\"intelRdt\":{\"schemata\":[\"L3:0=7f0\"],"
     "\"enableMonitoring\":true}}}", SHIM_OK, NULL},
    {"intelRdt schemata, neither", "{\"linux\":{\"intelRdt\":{\"schemata\":7}}}",
     SHIM_ERR_SCHEMA, "/linux/intelRdt/schemata"},
    {"intelRdt schemata, a number in the lines",
     "{\"linux\":{\"intelRdt\":{\"schemata\":[7]}}}", SHIM_ERR_SCHEMA,
     "/linux/intelRdt/schemata/0"},
    {"memoryPolicy, execCPUAffinity",
     "{\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_INTERLEAVE\",\"nodes\":\"0-1\"}},"
     "\"process\":{\"execCPUAffinity\":{\"initial\":\"0\",\"final\":\"0-1\"}}}",
     SHIM_OK, NULL},
    {"wrong type deep",
     "{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"uts\"},{\"type\":1}]}}",
     SHIM_ERR_SCHEMA, "/linux/namespaces/2/type"},
    {"unknown namespace type", "{\"linux\":{\"namespaces\":[{\"type\":\"net\"}]}}",
     SHIM_ERR_SCHEMA, "/linux/namespaces/0/type"},
    {"fraction for integer", "{\"process\":{\"user\":{\"uid\":1.0}}}",
     SHIM_ERR_SCHEMA, "/process/user/uid"},
    {"exponent for integer", "{\"process\":{\"user\":{\"uid\":1e3}}}",
     SHIM_ERR_SCHEMA, "/process/user/uid"},
    {"uint32 overflow", "{\"process\":{\"user\":{\"uid\":4294967296}}}",
     SHIM_ERR_SCHEMA, "/process/user/uid"},
    {"negative uint32", "{\"process\":{\"user\":{\"uid\":-1}}}",
     SHIM_ERR_SCHEMA, "/process/user/uid"},
    {"too big integer", "{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\","
                        "\"hard\":18446744073709551616,\"soft\":1}]}}",
     SHIM_ERR_SYNTAX, ""},
    {"string for bool", "{\"process\":{\"noNewPrivileges\":\"true\"}}",
     SHIM_ERR_SCHEMA, "/process/noNewPrivileges"},
    {"null array element", "{\"mounts\":[null]}", SHIM_ERR_SCHEMA, "/mounts/0"},
    {"null member is absence", "{\"linux\":null,\"process\":{\"env\":null}}",
     SHIM_OK, NULL},
    {"null in a map", "{\"linux\":{\"sysctl\":{\"kernel.msgmax\":null}}}",
     SHIM_ERR_SCHEMA, "/linux/sysctl/kernel.msgmax"},
    {"annotation not a string", "{\"annotations\":{\"a/b\":1}}", SHIM_ERR_SCHEMA,
     "/annotations/a~1b"},
    {"embedded blkio major", "{\"linux\":{\"resources\":{\"blockIO\":{"
                             "\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":10}]}}}}",
     SHIM_OK, NULL},
    /* The reader's own grammar (jtree.c). */
    {"control character", "{\"hostname\":\"a\tb\"}", SHIM_ERR_SYNTAX, ""},
    {"unknown escape", "{\"hostname\":\"a\\xb\"}", SHIM_ERR_SYNTAX, ""},
    {"short unicode escape", "{\"hostname\":\"\\u00\"}", SHIM_ERR_SYNTAX, ""},
    {"surrogate pair", "{\"hostname\":\"\\ud83d\\ude00\"}", SHIM_OK, NULL},
    {"reversed surrogates", "{\"hostname\":\"\\ude00\\ud83d\"}", SHIM_ERR_SYNTAX, ""},
    {"overlong utf-8", "{\"hostname\":\"\xc0\xaf\"}", SHIM_ERR_SYNTAX, ""},
    {"utf-8 surrogate", "{\"hostname\":\"\xed\xa0\x80\"}", SHIM_ERR_SYNTAX, ""},
    {"above U+10FFFF", "{\"hostname\":\"\xf4\x90\x80\x80\"}", SHIM_ERR_SYNTAX, ""},
    {"truncated utf-8", "{\"hostname\":\"\xe2\x84\"}", SHIM_ERR_SYNTAX, ""},
    {"valid utf-8", "{\"hostname\":\"\xc3\xa9\xe2\x84\xaa\xf0\x9f\x98\x80\"}", SHIM_OK, NULL},
    {"utf-8 outside strings", "{\xc3\xa9}", SHIM_ERR_SYNTAX, ""},
    {"leading zero", "{\"process\":{\"user\":{\"uid\":01}}}", SHIM_ERR_SYNTAX, ""},
    {"bare minus", "{\"process\":{\"user\":{\"uid\":-}}}", SHIM_ERR_SYNTAX, ""},
    {"dot without digits", "{\"process\":{\"user\":{\"uid\":1.}}}", SHIM_ERR_SYNTAX, ""},
    {"int64 minimum", "{\"process\":{\"oomScoreAdj\":-9223372036854775808}}", SHIM_OK, NULL},
    {"below int64", "{\"process\":{\"oomScoreAdj\":-9223372036854775809}}", SHIM_ERR_SYNTAX, ""},
    {"short literal", "{\"process\":{\"terminal\":tru}}", SHIM_ERR_SYNTAX, ""},
    {"form feed is not whitespace", "{\f}", SHIM_ERR_SYNTAX, ""},
    {"missing colon", "{\"hostname\" \"a\"}", SHIM_ERR_SYNTAX, ""},
    {"trailing comma", "{\"hostname\":\"a\",}", SHIM_ERR_SYNTAX, ""},
    {"unterminated string", "{\"hostname\":\"a", SHIM_ERR_SYNTAX, ""},
    /* Go would set "process" to nil: an unknown key is refused even as null. */
    {"case-folded null", "{\"process\":{},\"Process\":null}", SHIM_ERR_SCHEMA, "/Process"},
    {"large map duplicate",
     "{\"annotations\":{\"a\":\"\",\"b\":\"\",\"c\":\"\",\"d\":\"\",\"e\":\"\",\"f\":\"\","
     "\"g\":\"\",\"h\":\"\",\"i\":\"\",\"j\":\"\",\"k\":\"\",\"l\":\"\",\"m\":\"\",\"n\":\"\","
     "\"o\":\"\",\"p\":\"\",\"q\":\"\",\"\\u0061\":\"\"}}", SHIM_ERR_SYNTAX, ""},
    {"large map", "{\"annotations\":{\"a\":\"\",\"b\":\"\",\"c\":\"\",\"d\":\"\",\"e\":\"\","
     "\"f\":\"\",\"g\":\"\",\"h\":\"\",\"i\":\"\",\"j\":\"\",\"k\":\"\",\"l\":\"\",\"m\":\"\","
     "\"n\":\"\",\"o\":\"\",\"p\":\"\",\"q\":\"\",\"r\":\"\"}}", SHIM_OK, NULL},
    {"uint16 overflow", "{\"linux\":{\"resources\":{\"blockIO\":{\"weight\":65536}}}}",
     SHIM_ERR_SCHEMA, "/linux/resources/blockIO/weight"},
};

static void test_load_table(void) {
  for (size_t i = 0; i < ARRAY_SIZE(load_cases); i++) {
    const struct load_case *c = &load_cases[i];
    shim_spec *spec = NULL;
    shim_error err = {0};
    int ret = shim_spec_load_data(c->json, strlen(c->json), &spec, &err);
    int want = c->code == SHIM_OK ? 0 : -c->code;
    if (ret != want || (c->pointer && strcmp(err.pointer, c->pointer) != 0))
      fprintf(stderr, "\n  case \"%s\": ret %d (want %d), pointer \"%s\" "
                      "(want \"%s\"): %s\n",
              c->name, ret, want, err.pointer, c->pointer ? c->pointer : "",
              err.message);
    CU_ASSERT_EQUAL(ret, want);
    if (c->code != SHIM_OK) {
      CU_ASSERT_EQUAL(err.code, c->code);
      CU_ASSERT_STRING_EQUAL(err.pointer, c->pointer);
      CU_ASSERT(strlen(err.message) > 0);
      CU_ASSERT_PTR_NULL(spec);
    }
    shim_spec_free(spec);
  }
}

static void test_syntax_error_has_position(void) {
  const char *doc = "{\n  \"process\": {\n    \"args\": [\"sh\",]\n  }\n}";
  shim_spec *spec = NULL;
  shim_error err;
  CU_ASSERT_EQUAL(shim_spec_load_data(doc, strlen(doc), &spec, &err), -SHIM_ERR_SYNTAX);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "line 3"));
}

static void test_wrong_type_message(void) {
  const char *doc = "{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"uts\"},{\"type\":[]}]}}";
  shim_spec *spec = NULL;
  shim_error err;
  CU_ASSERT(shim_spec_load_data(doc, strlen(doc), &spec, &err) < 0);
  CU_ASSERT_STRING_EQUAL(err.pointer, "/linux/namespaces/2/type");
  CU_ASSERT_STRING_EQUAL(err.message, "expected string, found array");
}

static void test_null_member_removed(void) {
  const char *doc = "{\"linux\":{\"namespaces\":null}}";
  shim_spec *spec = NULL;
  CU_ASSERT_FATAL(shim_spec_load_data(doc, strlen(doc), &spec, NULL) == 0);
  /* Go leaves namespaces nil: both readers must see no entry. */
  const struct jnode *linux_ = jv_get(spec->tree.nodes, "linux");
  CU_ASSERT_PTR_NOT_NULL(linux_);
  CU_ASSERT_PTR_NULL(jv_get(linux_, "namespaces"));
  CU_ASSERT_PTR_NULL(jv_first(linux_));
  shim_spec_free(spec);
}

static void test_deep_nesting(void) {
  /* The reader caps nesting: an error, never a crash or a deep stack. */
  size_t depth = 100000;
  char *doc = malloc(2 * depth + 16);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  size_t n = (size_t)sprintf(doc, "{\"a\":");
  memset(doc + n, '[', depth);
  memset(doc + n + depth, ']', depth);
  strcpy(doc + n + 2 * depth, "}");
  shim_spec *spec = NULL;
  shim_error err;
  CU_ASSERT_EQUAL(shim_spec_load_data(doc, strlen(doc), &spec, &err), -SHIM_ERR_LIMIT);
  CU_ASSERT_PTR_NULL(spec);
  free(doc);
}

/* Every prefix of a real spec is an error (or, for the whole, a spec):
 * never a crash, never a read past the end (ASan and valgrind watch). */
static void test_every_prefix(void) {
  char *doc = NULL;
  size_t len = 0;
  CU_ASSERT_FATAL(read_fixture("ctr-seccomp.json", &doc, &len) == 0);
  for (size_t n = 0; n < len; n += 3) {
    char *copy = malloc(n ? n : 1); /* exact size: overruns are caught */
    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    memcpy(copy, doc, n);
    shim_spec *spec = NULL;
    shim_error err;
    int ret = shim_spec_load_data(copy, n, &spec, &err);
    CU_ASSERT(ret < 0 && spec == NULL && err.message[0]);
    free(copy);
  }
  shim_spec *spec = NULL;
  CU_ASSERT(shim_spec_load_data(doc, len, &spec, NULL) == 0);
  shim_spec_free(spec);
  free(doc);
}

static void test_size_limit(void) {
  size_t len = SHIM_MAX_DOCUMENT_BYTES + 1;
  char *doc = malloc(len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  memset(doc, ' ', len);
  doc[0] = '{';
  doc[len - 1] = '}';
  shim_spec *spec = NULL;
  shim_error err;
  CU_ASSERT_EQUAL(shim_spec_load_data(doc, len, &spec, &err), -SHIM_ERR_LIMIT);
  free(doc);
}

static void test_array_limit(void) {
  size_t items = SHIM_MAX_ARRAY_ITEMS + 1;
  char *doc = malloc(items * 4 + 64);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  char *p = doc + sprintf(doc, "{\"process\":{\"env\":[");
  for (size_t i = 0; i < items; i++)
    p += sprintf(p, "%s\"a\"", i ? "," : "");
  strcpy(p, "]}}");
  shim_spec *spec = NULL;
  shim_error err;
  CU_ASSERT_EQUAL(shim_spec_load_data(doc, strlen(doc), &spec, &err), -SHIM_ERR_LIMIT);
  CU_ASSERT_STRING_EQUAL(err.pointer, "/process/env");
  free(doc);
}

static void test_load_file_and_fd(void) {
  shim_spec *spec = NULL;
  shim_error err;
  CU_ASSERT_EQUAL(shim_spec_load_file("/nonexistent/config.json", &spec, &err), -SHIM_ERR_IO);
  CU_ASSERT(strstr(err.message, "No such file or directory") != NULL);
  CU_ASSERT_EQUAL(shim_spec_load_file("/", &spec, &err), -SHIM_ERR_IO);

  char path[] = "/tmp/shim-test-XXXXXX";
  int fd = mkstemp(path);
  CU_ASSERT_FATAL(fd >= 0);
  CU_ASSERT(write(fd, "{\"hostname\":\"x\"}", 16) == 16);
  CU_ASSERT(lseek(fd, 0, SEEK_SET) == 0);
  CU_ASSERT_EQUAL(shim_spec_load_fd(fd, &spec, &err), 0);
  shim_spec_free(spec);
  spec = NULL;
  CU_ASSERT_EQUAL(shim_spec_load_file(path, &spec, &err), 0);
  shim_spec_free(spec);
  close(fd);
  unlink(path);
}

/* json_render_tree writes a parsed document byte for byte as jansson's
 * json_dumps writes what json_loads read from the same text (and a
 * newline), pretty and compact. */
static void check_render(const char *text, size_t len) {
  struct jtree tree;
  shim_error err;
  CU_ASSERT_FATAL(jtree_parse(text, len, &tree, &err) == 0);
  json_t *doc = json_loadb(text, len, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  for (int pretty = 0; pretty < 2; pretty++) {
    char *mine = NULL;
    CU_ASSERT_FATAL(json_render_tree(tree.nodes, pretty, &mine, &err) == 0);
    char *theirs = json_dumps(doc, (pretty ? JSON_INDENT(2) : JSON_COMPACT) |
                                       JSON_PRESERVE_ORDER);
    CU_ASSERT_PTR_NOT_NULL_FATAL(theirs);
    size_t n = strlen(theirs);
    CU_ASSERT(strlen(mine) == n + 1 && memcmp(mine, theirs, n) == 0 && mine[n] == '\n');
    free(mine);
    free(theirs);
  }
  json_decref(doc);
  jtree_free(&tree);
}

static void test_render_as_jansson(void) {
  static const char *const fixtures[] = {"ctr-default.json", "ctr-seccomp.json",
                                         "runc-spec.json", "gpu-cdi.json",
                                         "ctr-privileged.json"};
  shim_policy *policy = NULL;
  shim_error err;
  CU_ASSERT_FATAL(shim_policy_load_default(&policy, &err) == 0);
  for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
    char *data = NULL, *hardened = NULL;
    size_t len = 0;
    CU_ASSERT_FATAL(read_fixture(fixtures[i], &data, &len) == 0);
    check_render(data, len);
    /* What hardening writes: seccomp rules, hooks, mappings. */
    shim_spec *spec = NULL;
    shim_report *report = NULL;
    if (shim_spec_load_data(data, len, &spec, &err) == 0 &&
        shim_harden(policy, spec, &hardened, &report, &err) == 0)
      check_render(hardened, strlen(hardened));
    free(hardened);
    shim_report_free(report);
    shim_spec_free(spec);
    free(data);
  }
  shim_policy_free(policy);
  static const char odd[] =
      "{\"a\": [], \"b\": {}, \"\": {\"x\": {}}, \"e\": [[[]], [{}]],"
      " \"s\": \"q\\\"b\\\\s\\u0001\\u001f\\u007f\\t\\n\\r\\b\\f/\u00e9\\ud83d\\ude00\","
      " \"n\": [-9223372036854775808, 0, 9223372036854775807, 1.5, 1e300, -0.25],"
      " \"t\": [true, false, null], \"k\\\"\\n\": 1}";
  check_render(odd, strlen(odd));
}

/* Hardening's edits: in place where the member was (even as null), the
 * original untouched, removal while walking, equality as readers see it. */
static void test_edit_copy(void) {
  static const char text[] =
      "{\"a\":null,\"b\":[\"x\",\"y\",\"z\"],\"c\":{\"k\":1,\"l\":null}}";
  struct jtree orig, copy;
  shim_error err;
  CU_ASSERT_FATAL(jtree_parse(text, strlen(text), &orig, &err) == 0);
  CU_ASSERT_FATAL(jtree_copy(&orig, &copy, &err) == 0);
  struct jnode *doc = copy.nodes;
  CU_ASSERT_PTR_NULL(jt_get(doc, "a")); /* null reads as absent */
  jt_set(&copy, jt_member(&copy, doc, "a", J_OBJECT), "n", jt_int(&copy, 7));
  struct jnode *b = jt_get(doc, "b");
  jt_foreach(b, v) {
    if (strcmp(jv_str(v), "z") != 0)
      jt_remove(b, v);
  }
  jt_append(b, jt_string(&copy, "w"));
  jt_del(jt_get(doc, "c"), "k");
  jt_set(&copy, doc, "d", jt_strings(&copy, (const char *const[]){"p", "q"}, 2));
  CU_ASSERT_FATAL(!copy.failed);
  char *out = NULL;
  CU_ASSERT_FATAL(json_render_tree(doc, false, &out, &err) == 0);
  CU_ASSERT_STRING_EQUAL(out, "{\"a\":{\"n\":7},\"b\":[\"z\",\"w\"],\"c\":{},"
                              "\"d\":[\"p\",\"q\"]}\n");
  free(out);
  CU_ASSERT(jv_count(jt_get(doc, "b")) == 2);
  CU_ASSERT_FATAL(json_render_tree(orig.nodes, false, &out, &err) == 0);
  CU_ASSERT_STRING_EQUAL(out, "{\"b\":[\"x\",\"y\",\"z\"],\"c\":{\"k\":1}}\n");
  free(out);
  static const char same[] = "{\"c\":{\"k\":1},\"b\":[\"x\",\"y\",\"z\"]}";
  static const char other[] = "{\"c\":{\"k\":1},\"b\":[\"y\",\"x\",\"z\"]}";
  struct jtree t1, t2;
  CU_ASSERT_FATAL(jtree_parse(same, strlen(same), &t1, &err) == 0);
  CU_ASSERT_FATAL(jtree_parse(other, strlen(other), &t2, &err) == 0);
  CU_ASSERT(jt_equal(orig.nodes, t1.nodes));  /* order of members, nulls */
  CU_ASSERT(!jt_equal(orig.nodes, t2.nodes)); /* order of items */
  jtree_free(&t1);
  jtree_free(&t2);
  jtree_free(&copy);
  jtree_free(&orig);
}

void register_spec_tests(void) {
  static const struct test_case tests[] = {
      {"load table", test_load_table},
      {"syntax error has line", test_syntax_error_has_position},
      {"wrong type message", test_wrong_type_message},
      {"null member removed", test_null_member_removed},
      {"deep nesting", test_deep_nesting},
      {"every prefix", test_every_prefix},
      {"size limit", test_size_limit},
      {"array limit", test_array_limit},
      {"load file and fd", test_load_file_and_fd},
      {"render as jansson", test_render_as_jansson},
      {"edit a copy", test_edit_copy},
  };
  ADD_SUITE("spec", tests);
}
