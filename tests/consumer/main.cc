// Uses the installed path store: a group, a value, a link, a read through
// the link and a listing. Prints "ok" and exits 0 when every answer is right.
#include <alder/path_store.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer FILE\n");
    return 2;
  }
  std::remove(argv[1]);
  try {
    alder::Env env = alder::Env::open(argv[1]);
    alder::PathStore store(env);
    store.make_group("msgs");
    store.write("msgs/1", "hello");
    store.make_link("msgs/1", "latest");
    auto v = store.read("latest");
    auto names = store.list("msgs");
    if (!v || *v != "hello" || !names || names->size() != 1 || (*names)[0] != "1") {
      std::fprintf(stderr, "consumer: wrong answer from the path store\n");
      return 1;
    }
  } catch (const alder::Error& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 1;
  }
  std::remove(argv[1]);
  std::printf("ok\n");
  return 0;
}
