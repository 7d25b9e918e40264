/* hello_c.c: put, get and a cursor range with the C API. */
#include <alder/alder.h>
#include <stdio.h>
#include <string.h>

#define CHECK(call) \
  do { int rc_ = (call); \
       if (rc_) { fprintf(stderr, "%s: %s\n", #call, alder_strerror(rc_)); return 1; } \
  } while (0)

static alder_val str(const char* s) { alder_val v = {strlen(s), s}; return v; }

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "/tmp/alder-hello-c.alder";
  const char* fruit[][2] = {{"apple", "red"}, {"banana", "yellow"},
                            {"cherry", "dark red"}, {"grape", "green"}};
  alder_env* env;
  alder_txn* txn;
  alder_cursor* cur;
  alder_dbi dbi;
  alder_val key, val;
  int i, rc;

  remove(path); /* start from a new file */
  CHECK(alder_env_open(path, NULL, &env));
  CHECK(alder_txn_begin(env, 0, &txn)); /* the one writer */
  CHECK(alder_dbi_open(txn, NULL, 0, &dbi)); /* the main db */
  for (i = 0; i < 4; i++) {
    key = str(fruit[i][0]);
    val = str(fruit[i][1]);
    CHECK(alder_put(txn, dbi, &key, &val, 0));
  }
  CHECK(alder_txn_commit(txn)); /* durable when it returns */

  CHECK(alder_txn_begin(env, ALDER_RDONLY, &txn)); /* a snapshot */
  key = str("banana");
  CHECK(alder_get(txn, dbi, &key, &val));
  printf("banana = %.*s\n", (int)val.size, (const char*)val.data);
  key = str("durian");
  printf("durian: %s\n", alder_strerror(alder_get(txn, dbi, &key, &val)));

  CHECK(alder_cursor_open(txn, dbi, &cur)); /* keys in ["b", "d") */
  key = str("b");
  for (rc = alder_cursor_get(cur, &key, &val, ALDER_SET_RANGE);
       rc == ALDER_SUCCESS && memcmp(key.data, "d", 1) < 0;
       rc = alder_cursor_get(cur, &key, &val, ALDER_NEXT))
    printf("range: %.*s = %.*s\n", (int)key.size, (const char*)key.data,
           (int)val.size, (const char*)val.data);
  alder_cursor_close(cur);
  alder_txn_abort(txn); /* ends the read txn */
  alder_env_close(env);
  remove(path);
  return rc == ALDER_SUCCESS || rc == ALDER_NOTFOUND ? 0 : 1;
}
