// Shared helpers of the alder command-line tool: errors, byte encodings,
// opening envs, files that appear atomically.
#pragma once

#include <alder/alder.hpp>

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

namespace CLI {
class App;
}

namespace alder_cli {

/// An error the tool reports as one line on stderr. The message names the
/// file it concerns (the tool adds the file when it is missing).
class CliError : public std::runtime_error {
 public:
  explicit CliError(const std::string& what, int exit_code = 1)
      : std::runtime_error(what), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

/// Options every command sees.
struct Globals {
  bool no_progress = false;
  bool quiet = false;
};
Globals& globals();

/// The file the running command works on; used to name it in error messages
/// that come from the engine without a path.
void set_context(const std::string& file);
const std::string& context();

// ---- byte encodings -------------------------------------------------------

/// Lowercase hex, two digits per byte.
void append_hex(std::string& out, std::string_view bytes);
std::string to_hex(std::string_view bytes);
/// Decodes hex (either case). Returns false on odd length or a non-hex digit;
/// `bad_at` is then the offset of the first offending character.
bool from_hex(std::string_view hex, std::string& out, std::size_t* bad_at = nullptr);
/// The dump "print" escaping: bytes 0x20..0x7e except '\' as themselves,
/// everything else as \hh (lowercase). '\' is written \5c: mdb_load 0.9.24
/// mis-decodes "\\" after an earlier escape on the same line.
void append_printable(std::string& out, std::string_view bytes);
std::string printable(std::string_view bytes);
/// Inverse of append_printable; also accepts "\\" for a backslash.
/// Returns false on a bad escape (offset in bad_at).
bool from_printable(std::string_view text, std::string& out, std::size_t* bad_at = nullptr);

// ---- envs -----------------------------------------------------------------

/// Opens an existing env read-only (no writes; runs beside a writer process).
alder::Env open_existing_read_only(const std::string& path);
/// Opens an existing env for writing.
alder::Env open_existing_read_write(const std::string& path);
/// The Dbi of `name` ("" = main db) in txn; throws CliError naming the file
/// when the db does not exist.
alder::Dbi open_named(alder::Txn& txn, const std::string& path, const std::string& name,
                      bool create = false);

// ---- files ------------------------------------------------------------------

bool path_exists(const std::string& path);
std::uint64_t file_size_or_zero(const std::string& path);
/// A new name next to `path` for a temporary file ("<path>.tmp-<pid>-<n>"),
/// not present at the moment of the call.
std::string temp_name_next_to(const std::string& path);
/// fsync the directory that holds path (best effort).
void fsync_parent_dir(const std::string& path);
/// Renames from -> to. With no_replace, fails (CliError) when `to` exists.
void rename_file(const std::string& from, const std::string& to, bool no_replace);
/// fsync a file by name.
void fsync_file(const std::string& path);

/// Output that appears atomically: stdout, or a temp file next to `path`
/// that commit() fsyncs and renames over `path`. Destroying an uncommitted
/// one removes the temp file.
class AtomicOutput {
 public:
  explicit AtomicOutput(const std::string& path);  // "" or "-" = stdout
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  void write(std::string_view bytes);
  /// Writes the buffered part and, for a file, fsyncs and renames it.
  void commit();
  const std::string& name() const { return display_; }

 private:
  void flush_buffer();
  std::string path_, tmp_, display_;
  std::FILE* f_ = nullptr;
  bool to_stdout_ = false;
  bool committed_ = false;
  std::string buf_;
};

/// Human-readable byte counts: "12.3 MiB".
std::string human_bytes(std::uint64_t n);
/// 1234567 -> "1,234,567"
std::string with_commas(std::uint64_t n);

// ---- command registration (one function per command family) -------------

void add_inspect_commands(CLI::App& app);   // stat get put del scan list-dbs drop verify
void add_dump_load_commands(CLI::App& app); // dump load
void add_copy_commands(CLI::App& app);      // copy compact
void add_lmdb_commands(CLI::App& app);      // import-lmdb
void add_debian_commands(CLI::App& app);    // debian-dump load-debian
void add_hyperbeam_commands(CLI::App& app); // import-hyperbeam export-hyperbeam

}  // namespace alder_cli
