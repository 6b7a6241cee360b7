// `aria-harness report`: one run of the store as a self-contained HTML file.
#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "reports/report.hpp"

namespace aria::cli {

Runner add_report_command(CLI::App& app) {
  struct Flags {
    std::string db_path, out_path, templates;
    std::int64_t run_id = 0;
    bool quiet = false;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "report",
      "Write one run as a self-contained HTML file that opens offline: its header and threshold verdicts, the\n"
      "summary (requests, failures, average, p50, p95, p99, RPS), the per-endpoint table, requests, failures,\n"
      "response times and users over time, the response-time distribution, the failures, and the classes and\n"
      "tasks that ran beside the model's weights. Rendered from Mustache templates: the built-in ones, or your\n"
      "copies of reports/templates/*.mustache with --templates DIR.");
  cmd->add_option("--db", f->db_path, "SQLite store holding the run")->required();
  cmd->add_option("--run", f->run_id, "Id of the run (`aria-harness runs` lists them)")->required();
  cmd->add_option("-o,--output", f->out_path, "The HTML file to write (FILE.tmp, then renamed)")->required();
  cmd->add_option("--templates", f->templates, "Folder with your own report.mustache (others stay built in)");
  cmd->add_flag("--quiet", f->quiet, "Print nothing but errors");
  return [f] {
    require_store(f->db_path, "replay");
    require_folder_of("-o", f->out_path);
    if (!f->templates.empty() && !std::filesystem::is_directory(f->templates))
      throw UsageError(fmt::format("--templates {}: not a folder", f->templates));
    store::Database db(f->db_path, store::Database::Options{.create = false});
    const auto html = reports::render_run_report(db, f->run_id, {f->templates});
    write_file_atomically(f->out_path, html, "report");
    if (!f->quiet)
      std::printf("aria-harness report: run %lld to %s (%.1f KB)\n", static_cast<long long>(f->run_id),
                  f->out_path.c_str(), static_cast<double>(html.size()) / 1e3);
    return kExitOk;
  };
}

}  // namespace aria::cli
