/* shim_c_test.c: a C program linked against alder's liblmdb.so.0 that calls
 * every function of include/alder/lmdb.h and checks each flag the shim
 * accepts or refuses (docs/LMDB_COMPAT.md). Exit status 0 when all checks
 * pass; each failure prints the line and the two values. */
#include <alder/lmdb.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures = 0;
static int checks = 0;

#define EXPECT_RC(call, want)                                                    \
  do {                                                                           \
    int rc_ = (call);                                                            \
    checks++;                                                                    \
    if (rc_ != (want)) {                                                         \
      fprintf(stderr, "%s:%d: %s = %d (%s), want %d\n", __FILE__, __LINE__, #call, \
              rc_, mdb_strerror(rc_), (int)(want));                              \
      failures++;                                                                \
    }                                                                            \
  } while (0)
#define OK(call) EXPECT_RC(call, MDB_SUCCESS)
#define EXPECT(cond)                                                   \
  do {                                                                 \
    checks++;                                                          \
    if (!(cond)) {                                                     \
      fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                      \
    }                                                                  \
  } while (0)

static MDB_val sv(const char* s) {
  MDB_val v;
  v.mv_size = strlen(s);
  v.mv_data = (void*)s;
  return v;
}
static int is(MDB_val v, const char* s) {
  return v.mv_size == strlen(s) && memcmp(v.mv_data, s, v.mv_size) == 0;
}

static char dir[64];
static char path_buf[256];
static const char* at(const char* name) {
  snprintf(path_buf, sizeof path_buf, "%s/%s", dir, name);
  return path_buf;
}

/* reader_list callback: keeps the lines. */
static char lines[1024];
static int collect(const char* msg, void* ctx) {
  (void)ctx;
  strncat(lines, msg, sizeof lines - strlen(lines) - 1);
  return 0;
}

static void test_library(void) {
  int major = -1, minor = -1, patch = -1;
  const char* v = mdb_version(&major, &minor, &patch);
  EXPECT(v && major == 0 && minor == 9 && patch == 24);
  EXPECT(strncmp(mdb_strerror(MDB_NOTFOUND), "MDB_NOTFOUND", 12) == 0);
  EXPECT(strncmp(mdb_strerror(MDB_INCOMPATIBLE), "MDB_INCOMPATIBLE", 16) == 0);
  EXPECT(strcmp(mdb_strerror(ENOENT), strerror(ENOENT)) == 0);
  for (int rc = MDB_KEYEXIST; rc <= MDB_LAST_ERRCODE; rc++) EXPECT(mdb_strerror(rc) != NULL);
}

static MDB_env* open_env(const char* path, unsigned flags, size_t mapsize) {
  MDB_env* env = NULL;
  OK(mdb_env_create(&env));
  OK(mdb_env_set_maxdbs(env, 4));
  if (mapsize) OK(mdb_env_set_mapsize(env, mapsize));
  OK(mdb_env_open(env, path, flags, 0644));
  return env;
}

static void test_env(void) {
  MDB_env* env;
  MDB_txn* txn;
  MDB_dbi dbi;
  MDB_stat st;
  MDB_envinfo info;
  unsigned flags, readers;
  const char* p;
  int fd, token = 7;
  MDB_val k, v;

  /* Directory layout: the directory must exist; RDONLY never creates. */
  OK(mdb_env_create(&env));
  EXPECT_RC(mdb_env_open(env, at("missing"), 0, 0644), ENOENT);
  mdb_env_close(env);
  mkdir(at("env"), 0755);
  OK(mdb_env_create(&env));
  EXPECT_RC(mdb_env_open(env, at("env"), MDB_RDONLY, 0644), ENOENT);
  mdb_env_close(env);
  OK(mdb_env_create(&env));
  EXPECT_RC(mdb_env_open(env, at("env"), MDB_FIXEDMAP, 0644), MDB_INCOMPATIBLE);
  mdb_env_close(env);

  OK(mdb_env_create(&env));
  OK(mdb_env_set_maxreaders(env, 3));
  OK(mdb_env_get_maxreaders(env, &readers));
  EXPECT(readers == 3);
  OK(mdb_env_set_maxdbs(env, 4));
  OK(mdb_env_set_mapsize(env, 64 << 20));
  OK(mdb_env_open(env, at("env"), MDB_NOTLS | MDB_NORDAHEAD | MDB_WRITEMAP | MDB_NOMEMINIT, 0644));
  EXPECT_RC(mdb_env_set_maxreaders(env, 9), EINVAL); /* only before open */
  EXPECT(access(at("env/data.mdb"), F_OK) == 0);
  EXPECT(access(at("env/data.mdb-lock"), F_OK) == 0);
  EXPECT(access(at("env/lock.mdb"), F_OK) != 0); /* never LMDB's lock name */
  OK(mdb_env_get_path(env, &p));
  EXPECT(strcmp(p, at("env")) == 0);
  OK(mdb_env_get_flags(env, &flags));
  EXPECT(flags & MDB_NOTLS);
  OK(mdb_env_set_flags(env, MDB_NOSYNC, 1));
  OK(mdb_env_get_flags(env, &flags));
  EXPECT(flags & MDB_NOSYNC);
  OK(mdb_env_set_flags(env, MDB_NOSYNC, 0));
  EXPECT_RC(mdb_env_set_flags(env, MDB_RDONLY, 1), EINVAL);
  OK(mdb_env_get_fd(env, &fd));
  EXPECT(fd >= 0);
  OK(mdb_env_set_userctx(env, &token));
  EXPECT(mdb_env_get_userctx(env) == &token);
  OK(mdb_env_set_assert(env, NULL));
  EXPECT(mdb_env_get_maxkeysize(env) == 511);

  OK(mdb_txn_begin(env, NULL, 0, &txn));
  EXPECT(mdb_txn_env(txn) == env);
  EXPECT(mdb_txn_id(txn) == 1); /* LMDB's count: the first commit is txn 1 */
  OK(mdb_dbi_open(txn, NULL, 0, &dbi));
  EXPECT(dbi == 1);
  k = sv("k");
  v = sv("v");
  OK(mdb_put(txn, dbi, &k, &v, 0));
  OK(mdb_txn_commit(txn));
  OK(mdb_env_sync(env, 1));
  OK(mdb_env_stat(env, &st));
  EXPECT(st.ms_entries == 1 && st.ms_psize == 4096 && st.ms_depth == 1);
  OK(mdb_env_info(env, &info));
  EXPECT(info.me_last_txnid == 1 && info.me_mapsize == (size_t)64 << 20);
  EXPECT(info.me_maxreaders == 3 && info.me_mapaddr == NULL);

  /* Copies: plain and compact, to a directory and to a descriptor. */
  mkdir(at("copy"), 0755);
  mkdir(at("compact"), 0755);
  OK(mdb_env_copy(env, at("copy")));
  EXPECT_RC(mdb_env_copy(env, at("copy")), EEXIST); /* never replaced */
  OK(mdb_env_copy2(env, at("compact"), MDB_CP_COMPACT));
  EXPECT_RC(mdb_env_copy(env, at("no-such-dir")), ENOENT);
  fd = open(at("fd.mdb"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  OK(mdb_env_copyfd(env, fd));
  close(fd);
  fd = open(at("fd2.mdb"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  OK(mdb_env_copyfd2(env, fd, MDB_CP_COMPACT));
  close(fd);
  mdb_env_close(env);

  /* Each copy opens (NOSUBDIR for the descriptor copies) with the entry. */
  const char* copies[] = {"copy", "compact", "fd.mdb", "fd2.mdb"};
  for (int i = 0; i < 4; i++) {
    env = open_env(at(copies[i]), MDB_RDONLY | (i >= 2 ? MDB_NOSUBDIR : 0), 0);
    OK(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn));
    OK(mdb_dbi_open(txn, NULL, 0, &dbi));
    k = sv("k");
    OK(mdb_get(txn, dbi, &k, &v));
    EXPECT(is(v, "v"));
    EXPECT_RC(mdb_put(txn, dbi, &k, &v, 0), EACCES);
    mdb_txn_abort(txn);
    EXPECT_RC(mdb_txn_begin(env, NULL, 0, &txn), EACCES); /* read-only env */
    EXPECT_RC(mdb_env_sync(env, 1), EACCES);
    mdb_env_close(env);
  }

  /* A foreign file is MDB_INVALID and stays as it was. */
  mkdir(at("foreign"), 0755);
  fd = open(at("foreign/data.mdb"), O_WRONLY | O_CREAT, 0644);
  char junk[8192];
  memset(junk, 'j', sizeof junk);
  EXPECT(write(fd, junk, sizeof junk) == (ssize_t)sizeof junk);
  close(fd);
  OK(mdb_env_create(&env));
  EXPECT_RC(mdb_env_open(env, at("foreign"), 0, 0644), MDB_INVALID);
  mdb_env_close(env);
  struct stat sb;
  EXPECT(stat(at("foreign/data.mdb"), &sb) == 0 && sb.st_size == (off_t)sizeof junk);
}

static void test_txns_and_dbs(void) {
  MDB_env* env = open_env(at("db"), MDB_NOTLS | MDB_NOSUBDIR, 64 << 20);
  MDB_txn *w, *r, *r2, *r3, *r4;
  MDB_dbi plain, rev, ints, d;
  unsigned flags;
  MDB_val k, v;
  MDB_stat st;

  EXPECT(access(at("db-lock"), F_OK) == 0);
  OK(mdb_txn_begin(env, NULL, 0, &w));
  EXPECT_RC(mdb_txn_begin(env, w, 0, &r), MDB_INCOMPATIBLE); /* nested */
  EXPECT_RC(mdb_dbi_open(w, "dup", MDB_CREATE | MDB_DUPSORT, &d), MDB_INCOMPATIBLE);
  EXPECT_RC(mdb_dbi_open(w, "missing", 0, &d), MDB_NOTFOUND);
  OK(mdb_dbi_open(w, "plain", MDB_CREATE, &plain));
  OK(mdb_dbi_open(w, "rev", MDB_CREATE | MDB_REVERSEKEY, &rev));
  OK(mdb_dbi_open(w, "ints", MDB_CREATE | MDB_INTEGERKEY, &ints));
  OK(mdb_dbi_open(w, "fourth", MDB_CREATE, &d));
  EXPECT_RC(mdb_dbi_open(w, "fifth", MDB_CREATE, &d), MDB_DBS_FULL); /* maxdbs 4 */
  EXPECT_RC(mdb_set_compare(w, plain, NULL), MDB_INCOMPATIBLE);
  EXPECT_RC(mdb_set_dupsort(w, plain, NULL), MDB_INCOMPATIBLE);
  OK(mdb_set_relfunc(w, plain, NULL));
  OK(mdb_set_relctx(w, plain, NULL));

  /* put flags: NOOVERWRITE hands back the value there; APPEND order. */
  k = sv("b");
  v = sv("1");
  OK(mdb_put(w, plain, &k, &v, 0));
  v = sv("2");
  EXPECT_RC(mdb_put(w, plain, &k, &v, MDB_NOOVERWRITE), MDB_KEYEXIST);
  EXPECT(is(v, "1"));
  k = sv("c");
  v = sv("3");
  OK(mdb_put(w, plain, &k, &v, MDB_APPEND));
  k = sv("a");
  EXPECT_RC(mdb_put(w, plain, &k, &v, MDB_APPEND), MDB_KEYEXIST);
  EXPECT_RC(mdb_put(w, plain, &k, &v, MDB_RESERVE), EINVAL);
  EXPECT_RC(mdb_put(w, 99, &k, &v, 0), EINVAL);
  k.mv_size = 0;
  EXPECT_RC(mdb_put(w, plain, &k, &v, 0), MDB_BAD_VALSIZE);
  k = sv("zz");
  EXPECT_RC(mdb_del(w, plain, &k, NULL), MDB_NOTFOUND);

  /* REVERSEKEY order: by last byte first. */
  const char* rk[] = {"xa", "yb", "ac"};
  for (int i = 0; i < 3; i++) {
    k = sv(rk[i]);
    OK(mdb_put(w, rev, &k, &v, 0));
  }
  /* INTEGERKEY order: numeric; 4 or 8 byte keys only. */
  unsigned nums[] = {300, 2, 70000, 1};
  for (int i = 0; i < 4; i++) {
    k.mv_size = sizeof nums[i];
    k.mv_data = &nums[i];
    OK(mdb_put(w, ints, &k, &v, 0));
  }
  k.mv_size = 3;
  EXPECT_RC(mdb_put(w, ints, &k, &v, 0), MDB_BAD_VALSIZE);
  OK(mdb_txn_commit(w));

  /* Flags are stored with the db. */
  mdb_env_close(env);
  env = open_env(at("db"), MDB_NOTLS | MDB_NOSUBDIR, 64 << 20);
  /* Handles opened in a read txn become the env's when it commits. */
  OK(mdb_txn_begin(env, NULL, MDB_RDONLY, &r));
  OK(mdb_dbi_open(r, "rev", 0, &rev));
  OK(mdb_dbi_open(r, "ints", 0, &ints));
  OK(mdb_dbi_open(r, "plain", 0, &plain));
  OK(mdb_txn_commit(r));
  OK(mdb_txn_begin(env, NULL, MDB_RDONLY, &r));
  OK(mdb_dbi_flags(r, rev, &flags));
  EXPECT(flags == MDB_REVERSEKEY);
  OK(mdb_dbi_flags(r, ints, &flags));
  EXPECT(flags == MDB_INTEGERKEY);
  OK(mdb_stat(r, plain, &st));
  EXPECT(st.ms_entries == 2);
  EXPECT_RC(mdb_dbi_open(r, "new", MDB_CREATE, &d), EACCES);
  MDB_val a = sv("xa"), b = sv("ac");
  EXPECT(mdb_cmp(r, rev, &a, &b) < 0); /* 'a' < 'c' from the end */
  EXPECT(mdb_dcmp(r, rev, &a, &b) > 0);
  MDB_cursor* c;
  MDB_val ck, cv;
  OK(mdb_cursor_open(r, rev, &c));
  const char* want_rev[] = {"xa", "yb", "ac"};
  int i = 0;
  for (int rc = mdb_cursor_get(c, &ck, &cv, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(c, &ck, &cv, MDB_NEXT), i++)
    EXPECT(i < 3 && is(ck, want_rev[i]));
  EXPECT(i == 3);
  EXPECT(mdb_cursor_txn(c) == r && mdb_cursor_dbi(c) == rev);
  EXPECT_RC(mdb_cursor_count(c, &st.ms_entries), MDB_INCOMPATIBLE);
  EXPECT_RC(mdb_cursor_get(c, &ck, &cv, MDB_GET_BOTH), MDB_INCOMPATIBLE);
  mdb_cursor_close(c);
  OK(mdb_cursor_open(r, ints, &c));
  unsigned want_int[] = {1, 2, 300, 70000};
  i = 0;
  for (int rc = mdb_cursor_get(c, &ck, &cv, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(c, &ck, &cv, MDB_NEXT), i++)
    EXPECT(i < 4 && ck.mv_size == 4 && *(unsigned*)ck.mv_data == want_int[i]);
  EXPECT(i == 4);

  /* reset keeps the handle and its reader slot; renew takes a new snapshot;
   * a read txn's cursor is renewed into it. */
  size_t id = mdb_txn_id(r);
  mdb_txn_reset(r);
  lines[0] = 0;
  OK(mdb_reader_list(env, collect, NULL));
  EXPECT(strstr(lines, "    pid     thread     txnid\n") == lines);
  EXPECT(strstr(lines, " -\n") != NULL);
  EXPECT_RC(mdb_get(r, plain, &a, &cv), EINVAL); /* reset: no snapshot */
  OK(mdb_txn_begin(env, NULL, 0, &w));
  k = sv("d");
  OK(mdb_put(w, plain, &k, &v, 0));
  OK(mdb_txn_commit(w));
  OK(mdb_txn_renew(r));
  EXPECT(mdb_txn_id(r) == id + 1);
  OK(mdb_cursor_renew(r, c));
  OK(mdb_cursor_get(c, &ck, &cv, MDB_LAST));
  EXPECT(*(unsigned*)ck.mv_data == 70000);
  lines[0] = 0;
  OK(mdb_reader_list(env, collect, NULL));
  char want_line[64];
  snprintf(want_line, sizeof want_line, "%10d ", (int)getpid());
  EXPECT(strstr(lines, want_line) != NULL);
  int dead = -1;
  OK(mdb_reader_check(env, &dead));
  EXPECT(dead == 0);

  /* maxreaders (126 by default here): MDB_READERS_FULL past it is tested
   * with a small table in test_map_size. */
  OK(mdb_txn_begin(env, NULL, MDB_RDONLY, &r2));
  OK(mdb_txn_begin(env, NULL, MDB_RDONLY, &r3));
  OK(mdb_txn_begin(env, NULL, MDB_RDONLY, &r4));
  mdb_txn_abort(r2);
  mdb_txn_abort(r3);
  OK(mdb_txn_commit(r4));
  mdb_txn_abort(r);
  mdb_cursor_close(c); /* a read txn's cursor outlives it until closed */

  /* Cursor writes, drop and dbi_close in a write txn. */
  OK(mdb_txn_begin(env, NULL, 0, &w));
  OK(mdb_cursor_open(w, plain, &c));
  OK(mdb_cursor_get(c, &ck, &cv, MDB_FIRST));
  EXPECT(is(ck, "b"));
  OK(mdb_cursor_del(c, 0));
  OK(mdb_cursor_get(c, &ck, &cv, MDB_NEXT)); /* the entry after the deleted one */
  EXPECT(is(ck, "c"));
  v = sv("33");
  ck = sv("c");
  OK(mdb_cursor_put(c, &ck, &v, MDB_CURRENT));
  ck = sv("x");
  EXPECT_RC(mdb_cursor_put(c, &ck, &v, MDB_CURRENT), EINVAL); /* other key */
  ck = sv("e");
  OK(mdb_cursor_put(c, &ck, &v, 0));
  OK(mdb_cursor_get(c, &ck, &cv, MDB_GET_CURRENT));
  EXPECT(is(ck, "e"));
  k = sv("c");
  OK(mdb_get(w, plain, &k, &cv));
  EXPECT(is(cv, "33"));
  EXPECT_RC(mdb_cursor_put(c, &ck, &v, MDB_RESERVE), EINVAL);
  EXPECT_RC(mdb_cursor_put(c, &ck, &v, MDB_MULTIPLE), MDB_INCOMPATIBLE);
  OK(mdb_drop(w, rev, 0));
  OK(mdb_stat(w, rev, &st));
  EXPECT(st.ms_entries == 0);
  OK(mdb_drop(w, ints, 1));
  EXPECT_RC(mdb_stat(w, ints, &st), EINVAL); /* the handle is closed */
  OK(mdb_txn_commit(w));
  mdb_dbi_close(env, rev);
  OK(mdb_txn_begin(env, NULL, MDB_RDONLY, &r));
  EXPECT_RC(mdb_stat(r, rev, &st), EINVAL);
  EXPECT_RC(mdb_dbi_open(r, "ints", 0, &d), MDB_NOTFOUND);
  mdb_txn_abort(r);
  mdb_env_close(env);
}

/* The map size is a hard cap, raised at run time by mdb_env_set_mapsize. */
static void test_map_size(void) {
  MDB_env* env;
  MDB_txn *w, *r[3];
  MDB_dbi dbi;
  char key[16], val[1000];
  MDB_val k, v;
  int rc = 0, n = 0;
  memset(val, 'v', sizeof val);
  OK(mdb_env_create(&env));
  OK(mdb_env_set_mapsize(env, 2 << 20));
  OK(mdb_env_set_maxreaders(env, 2));
  mkdir(at("small"), 0755);
  OK(mdb_env_open(env, at("small"), MDB_NOTLS, 0644));
  OK(mdb_txn_begin(env, NULL, MDB_RDONLY, &r[0]));
  OK(mdb_txn_begin(env, NULL, MDB_RDONLY, &r[1]));
  EXPECT_RC(mdb_txn_begin(env, NULL, MDB_RDONLY, &r[2]), MDB_READERS_FULL);
  mdb_txn_abort(r[0]);
  mdb_txn_abort(r[1]);

  /* Commit 100 KiB at a time until a txn runs into the cap. */
  for (int t = 0; t < 100 && rc == 0; t++) {
    OK(mdb_txn_begin(env, NULL, 0, &w));
    OK(mdb_dbi_open(w, NULL, 0, &dbi));
    for (int i = 0; i < 100 && rc == 0; i++, n++) {
      snprintf(key, sizeof key, "%08d", n);
      k = sv(key);
      v.mv_size = sizeof val;
      v.mv_data = val;
      rc = mdb_put(w, dbi, &k, &v, 0);
    }
    if (rc == 0) {
      OK(mdb_txn_commit(w));
    } else {
      EXPECT_RC(rc, MDB_MAP_FULL);
      EXPECT_RC(mdb_put(w, dbi, &k, &v, 0), MDB_BAD_TXN); /* the txn is spent */
      mdb_txn_abort(w);
    }
  }
  EXPECT_RC(rc, MDB_MAP_FULL);
  struct stat sb;
  EXPECT(stat(at("small/data.mdb"), &sb) == 0 && sb.st_size <= (2 << 20));
  /* Live txns block a resize; none live: it takes, and writes go on. */
  OK(mdb_txn_begin(env, NULL, MDB_RDONLY, &r[0]));
  EXPECT_RC(mdb_env_set_mapsize(env, 64 << 20), EINVAL);
  mdb_txn_reset(r[0]); /* a reset txn holds no snapshot */
  OK(mdb_env_set_mapsize(env, 64 << 20));
  OK(mdb_txn_begin(env, NULL, 0, &w));
  OK(mdb_dbi_open(w, NULL, 0, &dbi));
  for (int i = 0; i < 1000; i++) {
    snprintf(key, sizeof key, "x%07d", i);
    k = sv(key);
    OK(mdb_put(w, dbi, &k, &v, 0));
  }
  OK(mdb_txn_commit(w));
  OK(mdb_txn_renew(r[0]));
  k = sv("00000000");
  OK(mdb_get(r[0], dbi, &k, &v)); /* what was committed before the cap stays */
  EXPECT(v.mv_size == sizeof val);
  mdb_txn_abort(r[0]);
  MDB_envinfo info;
  OK(mdb_env_info(env, &info));
  EXPECT(info.me_mapsize == (size_t)64 << 20);
  mdb_env_close(env);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/alder_lmdb_c_XXXXXX");
  if (!mkdtemp(dir)) return 2;
  test_library();
  test_env();
  test_txns_and_dbs();
  test_map_size();
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  printf("%d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
