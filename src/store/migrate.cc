// Layout 1 -> layout 2: see migrate.h.
#include "migrate.h"

#include "layout.h"
#include "path.h"

namespace alder::store {

void migrate_layout1(Txn& txn, Dbi meta) {
  Dbi old_entries = txn.open_db(kV1EntriesDb);
  Dbi tree = txn.open_db(kTreeDb, DbFlags::create);
  std::string key;
  {
    Cursor cur = txn.cursor(old_entries);
    for (bool ok = cur.first(); ok; ok = cur.next()) {
      std::string_view path = cur.key();
      // Checked, since a tree key is only unambiguous for a normalised path
      // (no empty segment, no NUL).
      if (!is_normalised(path)) {
        throw Error(ErrorCode::corrupted, "path store: layout-1 entry key '" + std::string(path) +
                                              "' is not a normalised path");
      }
      decode(cur.value(), path);  // throws corrupted for a bad kind byte
      tree_key(path, key);
      // The value is copied before the put: the cursor's views point into
      // pages this txn may change.
      std::string value(cur.value());
      txn.put(tree, key, value);
    }
  }
  txn.drop_db(old_entries);
  // The children index is derived data; layout 2 lists by scanning the tree.
  std::vector<std::string> dbs = txn.list_dbs();
  for (const std::string& name : dbs) {
    if (name == kV1ChildrenDb) txn.drop_db(txn.open_db(kV1ChildrenDb));
  }
  txn.put(meta, kVersionKey, kLayoutVersion);
}

}  // namespace alder::store
