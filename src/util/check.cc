#include "util/check.h"

#include <cstdio>
#include <cstdlib>

namespace alder::detail {

void dcheck_failed(const char* cond, const char* file, int line) noexcept {
  std::fprintf(stderr, "alder: internal check failed: %s (%s:%d)\n", cond, file, line);
  std::abort();
}

}  // namespace alder::detail
