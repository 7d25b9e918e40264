// hello.cc: put, get and a cursor range with the C++ API.
#include <alder/alder.hpp>

#include <cstdio>
#include <iostream>

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "/tmp/alder-hello.alder";
  std::remove(path);  // start from a new file
  try {
    alder::Env env = alder::Env::open(path);

    alder::Txn w = env.begin_write();  // the one writer
    w.put("apple", "red");
    w.put("banana", "yellow");
    w.put("cherry", "dark red");
    w.put("grape", "green");
    w.commit();  // durable when it returns

    alder::Txn r = env.begin_read();  // a snapshot; never blocks
    if (auto v = r.get("banana")) std::cout << "banana = " << *v << "\n";
    std::cout << "durian: " << (r.get("durian") ? "found" : "not found") << "\n";
    for (alder::Entry e : r.range(alder::kMainDbi, "b", "d"))  // ["b", "d")
      std::cout << "range: " << e.key << " = " << e.value << "\n";
    alder::Cursor c = r.cursor();
    for (bool ok = c.last(); ok; ok = c.prev())
      std::cout << "reverse: " << c.key() << "\n";
  } catch (const alder::Error& e) {
    std::cerr << "alder: " << e.what() << "\n";
    return 1;
  }
  std::remove(path);
}
