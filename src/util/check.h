// ALDER_DCHECK(cond): a precondition or invariant that a comment states,
// checked in Debug, sanitizer and fuzz builds and compiled out of release
// builds (where the condition is not evaluated). A failed check aborts with
// the condition, file and line: it means a bug in alder. Bad input from a
// caller or a damaged file never reaches a DCHECK; it gets an alder::Error.
// (LevelDB's assert() discipline, with the release cost made explicit.)
//
// On when NDEBUG is not defined (Debug) or ALDER_DCHECKS is defined (the
// build sets it with ALDER_SANITIZE or ALDER_BUILD_FUZZ: CMakeLists.txt).
#pragma once

namespace alder::detail {
[[noreturn]] void dcheck_failed(const char* cond, const char* file, int line) noexcept;
}  // namespace alder::detail

#if !defined(NDEBUG) || defined(ALDER_DCHECKS)
#define ALDER_DCHECK_IS_ON 1
#define ALDER_DCHECK(cond) \
  ((cond) ? (void)0 : ::alder::detail::dcheck_failed(#cond, __FILE__, __LINE__))
#else
#define ALDER_DCHECK_IS_ON 0
#define ALDER_DCHECK(cond) ((void)sizeof(!(cond)))
#endif
