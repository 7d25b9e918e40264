// alder: the command-line tool for alder databases (mdb_stat / mdb_dump /
// mdb_load / mdb_copy in one, interoperable with LMDB's text dump format).
// See docs/CLI.md. Every error is one line on stderr and a non-zero exit:
//   0 success, 1 error (or verify found damage, or get/del found no key),
//   2 bad command line.
#include "common.h"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>
#include <new>
#include <string>

namespace {

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

int report(const std::string& msg) {
  std::string m = one_line(msg);
  const std::string& file = alder_cli::context();
  if (!file.empty() && m.find(file) == std::string::npos) m = file + ": " + m;
  std::cerr << "alder: " << m << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"alder: inspect, dump, load, verify and copy alder databases"};
  app.require_subcommand(1);
  app.fallthrough();  // --no-progress / -q also after the subcommand
  app.add_flag("--no-progress", alder_cli::globals().no_progress,
               "never draw a progress line (it is drawn only when stderr is a terminal)");
  app.add_flag("-q,--quiet", alder_cli::globals().quiet, "no summary lines on stdout");
  alder_cli::add_inspect_commands(app);
  alder_cli::add_dump_load_commands(app);
  alder_cli::add_copy_commands(app);
  alder_cli::add_lmdb_commands(app);
  alder_cli::add_debian_commands(app);
  alder_cli::add_hyperbeam_commands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "alder: " << one_line(e.what()) << " (see alder --help)\n";
    return 2;
  } catch (const alder_cli::CliError& e) {
    const int rc = report(e.what());
    return e.exit_code() != 0 ? e.exit_code() : rc;
  } catch (const alder::Error& e) {
    return report(std::string(e.what()) + " [" + alder::error_name(e.code()) + "]");
  } catch (const std::bad_alloc&) {
    return report("out of memory");
  } catch (const std::exception& e) {
    return report(e.what());
  }
  return 0;
}
