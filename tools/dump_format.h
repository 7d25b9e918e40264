// The mdb_dump / db_dump text format ("VERSION=3"), read and written.
//
// A stream is one or more sections:
//
//   VERSION=3
//   format=bytevalue            (or: format=print)
//   database=NAME               (absent for the main db)
//   type=btree
//   mapsize=N                   (environment hints: read and ignored)
//   HEADER=END
//    <key>                      (each data line starts with one space)
//    <value>
//   DATA=END
//
// bytevalue: lowercase hex, two digits a byte. print: bytes 0x20..0x7e as
// themselves, others as \hh; a backslash is written \5c and read as \5c or
// "\\". With -T (mdb_load's plain-text mode) there is no header: lines are
// key, value, key, value... in print escaping, without the leading space.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>

namespace alder_cli {

class AtomicOutput;

struct DumpHeader {
  bool print = false;                   ///< format=print
  std::optional<std::string> database;  ///< database=NAME
};

/// Reads a dump stream. Every format problem throws CliError with
/// "<source>:<line>: <problem>".
class DumpReader {
 public:
  /// plain_text: mdb_load -T input (no headers, no leading space).
  DumpReader(std::istream& in, std::string source_name, bool plain_text);

  /// Reads the next section's header. False at the end of the stream (only
  /// between sections).
  bool next_section(DumpHeader& header);
  /// Next record of the current section; false at DATA=END (or, in plain
  /// text, at the end of the input).
  bool next_record(std::string& key, std::string& value);

  std::uint64_t line() const { return line_no_; }
  std::uint64_t bytes_read() const { return bytes_; }
  /// "<source>:<line>" for messages.
  std::string where() const;

 private:
  bool read_line();  // into line_; false at EOF
  [[noreturn]] void fail(const std::string& what) const;
  void decode(std::string_view text, std::string& out, const char* what);

  std::istream& in_;
  std::string source_;
  bool plain_text_;
  bool print_ = false;
  bool in_section_ = false;
  bool plain_done_ = false;
  std::uint64_t line_no_ = 0;
  std::uint64_t bytes_ = 0;
  std::string line_;
};

/// Writes a dump stream.
class DumpWriter {
 public:
  DumpWriter(AtomicOutput& out, bool print) : out_(out), print_(print) {}
  /// database: nullopt for the main db. mapsize: the hint for mdb_load.
  void begin_section(const std::optional<std::string>& database, std::uint64_t mapsize);
  void record(std::string_view key, std::string_view value);
  void end_section();

 private:
  void data_line(std::string_view bytes);
  AtomicOutput& out_;
  bool print_;
  std::string line_;
};

}  // namespace alder_cli
