// match(pairs): ids X such that X/key is a link to exactly target for every
// pair, from the link index (name '\0' target '\0' parent -> ''): one prefix
// scan for the first pair, then one entry lookup per candidate and pair.
#include <algorithm>

#include <alder/alder.hpp>

#include "path.h"
#include "store_impl.h"

namespace alder::store {

std::vector<std::string> op_match(Ctx& c,
                                  const std::vector<std::pair<std::string, std::string>>& pairs) {
  if (pairs.empty()) {
    throw Error(ErrorCode::invalid_argument, "path store: match: no (key, target) pairs given");
  }
  std::vector<std::pair<std::string, std::string>> norm;
  norm.reserve(pairs.size());
  for (const auto& [key, target] : pairs) {
    norm.emplace_back(checked_path(c.st, key, false, "match key"),
                      checked_path(c.st, target, true, "match target"));
  }

  // Candidates from the first pair. For a key "a/b" the index holds links
  // named "b" under parents ending in "/a": keep those, strip the "/a".
  const std::string& key0 = norm[0].first;
  std::string_view last = name_of(key0);
  std::string_view lead = parent_of(key0);  // "" for a one-segment key
  std::string suffix = lead.empty() ? std::string() : "/" + std::string(lead);
  std::string prefix = link_index_prefix(last, norm[0].second);
  std::vector<std::string> cands;
  Cursor cur = c.txn.cursor(c.st.links);
  for (bool ok = cur.seek(prefix); ok && cur.key().starts_with(prefix); ok = cur.next()) {
    std::string_view parent = cur.key().substr(prefix.size());
    if (!suffix.empty()) {
      if (!parent.ends_with(suffix)) continue;
      parent.remove_suffix(suffix.size());
    } else if (!lead.empty()) {
      continue;
    }
    if (parent.empty()) continue;  // the root is not an id
    cands.emplace_back(parent);
  }

  std::vector<std::string> out;
  for (std::string& x : cands) {
    bool all = true;
    for (std::size_t i = 1; i < norm.size() && all; ++i) {
      std::optional<Decoded> e = c.entry(child_path(x, norm[i].first));
      all = e && e->kind == Kind::link && e->payload == norm[i].second;
    }
    if (all) out.push_back(std::move(x));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace alder::store
