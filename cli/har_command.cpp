// `aria-harness import-har` and `aria-harness export-har`.
#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "core/errors.hpp"
#include "recorder/har.hpp"

namespace aria::cli {

Runner add_import_har_command(CLI::App& app) {
  struct Flags {
    recorder::HarImportOptions o;
    bool quiet = false;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "import-har",
      "Store a HAR 1.2 file (a browser's or a tool's HTTP Archive) as a recording with source 'har': one exchange\n"
      "per HTTP entry, with its timings, headers and bodies. Secrets are redacted as `record` redacts them, with a\n"
      "key of this import's own. Visitors: the credential (Authorization, X-API-Key), else one visitor per file,\n"
      "\"har:<file name>\". Entries that never reached a server (data: URLs, the browser's cache) are skipped;\n"
      "WebSocket messages are not imported. The whole file is checked before the store is opened: a bad file\n"
      "is refused with exit code 2 and a message naming the JSON path, and nothing is written.");
  auto& o = f->o;
  cmd->add_option("FILE", o.har_path, "The HAR file")->required();
  cmd->add_option("--db", o.db_path, "SQLite store the recording goes to (created when missing)")->required();
  cmd->add_option("--label", o.label, "Label of the recording");
  cmd->add_option("--redact-header", o.redact_headers, "Another header whose value is redacted (repeatable)");
  cmd->add_option("--redact-field", o.redact_fields,
                  "Another body field or query parameter name (substring, any case) that is redacted (repeatable)");
  cmd->add_flag("--quiet", f->quiet, "Print nothing but errors");
  return [f] {
    auto summary = recorder::import_har(f->o);
    if (!f->quiet) std::fputs(recorder::format_import_summary(summary, f->o.db_path).c_str(), stdout);
    return kExitOk;
  };
}

Runner add_export_har_command(CLI::App& app) {
  struct Flags {
    recorder::HarExportOptions o;
    bool quiet = false;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "export-har",
      "Write a stored recording as a HAR 1.2 file (creator aria-harness) for other HAR readers.\n"
      "Bodies that are not UTF-8 are written base64; truncated bodies as stored, with a comment. What HAR has no\n"
      "field for (visitor, client address, exchange number, truncation) is in each entry's _aria, so importing\n"
      "the file again gives the same exchanges; HAR keeps start times to the millisecond.");
  auto& o = f->o;
  cmd->add_option("--db", o.db_path, "SQLite store")->required();
  cmd->add_option("--recording", o.recording_id, "Id of the recording (`aria-harness recordings` lists them)")
      ->required();
  cmd->add_option("-o,--output", o.out_path, "The HAR file to write (written to FILE.tmp, then renamed)")->required();
  cmd->add_flag("--quiet", f->quiet, "Print nothing but errors");
  return [f] {
    auto options = f->o;
    options.tool_version = ARIA_VERSION;
    auto s = recorder::export_har(options);
    if (!f->quiet)
      std::printf("aria-harness export-har: recording %lld: %zu entries to %s (%.1f KB); %zu bodies base64, %zu truncated\n",
                  static_cast<long long>(options.recording_id), s.entries, options.out_path.c_str(),
                  static_cast<double>(s.file_bytes) / 1e3, s.base64_bodies, s.truncated_bodies);
    return kExitOk;
  };
}

}  // namespace aria::cli
