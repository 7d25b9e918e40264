#include "dump_format.h"

#include "common.h"

#include <iostream>

namespace alder_cli {

namespace {
bool starts_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}
}  // namespace

DumpReader::DumpReader(std::istream& in, std::string source_name, bool plain_text)
    : in_(in), source_(std::move(source_name)), plain_text_(plain_text) {
  if (plain_text_) print_ = true;
}

std::string DumpReader::where() const {
  return source_ + ":" + std::to_string(line_no_);
}

void DumpReader::fail(const std::string& what) const { throw CliError(where() + ": " + what); }

bool DumpReader::read_line() {
  if (!std::getline(in_, line_)) {
    if (in_.bad()) throw CliError(source_ + ": read error");
    return false;
  }
  ++line_no_;
  bytes_ += line_.size() + 1;
  // Tolerate CRLF files: a CR is never part of an encoded line.
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  return true;
}

void DumpReader::decode(std::string_view text, std::string& out, const char* what) {
  std::size_t bad = 0;
  if (print_) {
    if (!from_printable(text, out, &bad)) {
      fail(std::string("bad escape in ") + what + " at column " + std::to_string(bad + 2) +
           " (expected \\\\ or \\ and two hex digits)");
    }
  } else if (!from_hex(text, out, &bad)) {
    if (text.size() % 2 != 0) {
      fail(std::string("bad hex in ") + what + ": odd number of hex digits (" +
           std::to_string(text.size()) + ")");
    }
    fail(std::string("bad hex in ") + what + ": '" + std::string(1, text[bad]) +
         "' at column " + std::to_string(bad + 2));
  }
}

bool DumpReader::next_section(DumpHeader& header) {
  header = DumpHeader{};
  if (plain_text_) {
    if (in_section_ || plain_done_) return false;
    in_section_ = true;
    header.print = true;
    return true;
  }
  if (in_section_) fail("internal: next_section inside a section");
  bool any = false, version = false;
  for (;;) {
    if (!read_line()) {
      if (!any) return false;  // clean end between sections
      fail("truncated header: end of input before HEADER=END");
    }
    if (!any && line_.empty()) continue;  // blank lines between sections
    any = true;
    const std::string_view l = line_;
    if (l == "HEADER=END") break;
    const std::size_t eq = l.find('=');
    if (eq == std::string_view::npos) {
      if (!l.empty() && l[0] == ' ') fail("data line before HEADER=END (missing HEADER=END?)");
      fail("bad header line '" + printable(l.substr(0, 60)) + "' (expected key=value)");
    }
    const std::string_view k = l.substr(0, eq);
    const std::string_view v = l.substr(eq + 1);
    if (k == "VERSION") {
      if (v != "3") fail("unsupported VERSION=" + std::string(v) + " (only 3)");
      version = true;
    } else if (k == "format") {
      if (v == "print") {
        header.print = true;
      } else if (v == "bytevalue") {
        header.print = false;
      } else {
        fail("unsupported format=" + std::string(v) + " (bytevalue or print)");
      }
    } else if (k == "database" || k == "subdatabase") {
      header.database = std::string(v);
    } else if (k == "type") {
      if (v != "btree") fail("unsupported type=" + std::string(v) + " (only btree)");
    } else if (k == "mapsize" || k == "mapaddr" || k == "maxreaders" || k == "db_pagesize" ||
               k == "keys" || k == "re_len" || k == "re_pad" || k == "h_nelem") {
      // Environment hints of LMDB / Berkeley DB: nothing to do for alder.
    } else if (k == "duplicates" || k == "dupsort" || k == "dupfixed" || k == "integerkey" ||
               k == "integerdup" || k == "reversekey" || k == "reversedup") {
      if (v != "0") {
        fail("unsupported " + std::string(k) + "=" + std::string(v) +
             " (alder dbs have unique keys in byte order)");
      }
    } else {
      std::cerr << "alder: " << where() << ": unrecognized header keyword ignored: "
                << printable(k) << "\n";
    }
  }
  if (!version) fail("header without VERSION=3");
  print_ = header.print;
  in_section_ = true;
  return true;
}

bool DumpReader::next_record(std::string& key, std::string& value) {
  if (!in_section_) return false;
  if (plain_text_) {
    if (!read_line()) {
      in_section_ = false;
      plain_done_ = true;
      return false;
    }
    decode(line_, key, "key");
    if (!read_line()) fail("truncated input: end of input after a key, before its value and DATA=END");
    decode(line_, value, "value");
    return true;
  }
  if (!read_line()) fail("truncated input: end of input before DATA=END");
  if (line_.empty() || line_[0] != ' ') {
    if (line_ == "DATA=END") {
      in_section_ = false;
      return false;
    }
    if (starts_with(line_, "VERSION=")) fail("new header before DATA=END (truncated section?)");
    fail("expected a data line (starting with a space) or DATA=END");
  }
  decode(std::string_view(line_).substr(1), key, "key");
  if (!read_line()) fail("truncated input: end of input after a key, before its value and DATA=END");
  if (line_.empty() || line_[0] != ' ') {
    if (line_ == "DATA=END") fail("key without a value before DATA=END");
    fail("expected a value line (starting with a space)");
  }
  decode(std::string_view(line_).substr(1), value, "value");
  return true;
}

void DumpWriter::begin_section(const std::optional<std::string>& database,
                               std::uint64_t mapsize) {
  std::string h = "VERSION=3\nformat=";
  h += print_ ? "print" : "bytevalue";
  h += "\n";
  if (database) h += "database=" + *database + "\n";
  h += "type=btree\nmapsize=" + std::to_string(mapsize) + "\nHEADER=END\n";
  out_.write(h);
}

void DumpWriter::data_line(std::string_view bytes) {
  line_.clear();
  line_.push_back(' ');
  if (print_) {
    append_printable(line_, bytes);
  } else {
    append_hex(line_, bytes);
  }
  line_.push_back('\n');
  out_.write(line_);
}

void DumpWriter::record(std::string_view key, std::string_view value) {
  data_line(key);
  data_line(value);
}

void DumpWriter::end_section() { out_.write("DATA=END\n"); }

}  // namespace alder_cli
