// `aria-harness synthesize`: recorded traffic in, a user model out (stored, and written with -o).
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/parse.hpp"
#include "model/json.hpp"
#include "model/synthesize.hpp"
#include "store/runs.hpp"

namespace aria::cli {

Runner add_synthesize_command(CLI::App& app) {
  struct Flags {
    std::string db_path, out_path, session_gap = "30m", profile_path, name = "synthesized";
    std::vector<std::int64_t> recordings;
    bool quiet = false, verbatim = false;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "synthesize",
      "Turn recorded traffic into a user model the replayer runs as it is (format aria-harness/model v1).\n"
      "Visitors are split into sessions on idle gaps; paths become templates whose id segments are variables\n"
      "(/api/sessions/{session_id}/history, named /api/sessions/[id]/history); a value a visitor got in a\n"
      "response and sent back later becomes an extraction, a value it made up a per-user generated variable of\n"
      "the same shape; visitors join the profile's class most of their requests match (Aria's ChatUser,\n"
      "DashboardUser, APIUser by default), with weight = share of visitors; each class gets its session-opening\n"
      "and -closing steps (on_start, on_stop), tasks weighted by their share of requests, the think times seen\n"
      "between them (as quantiles) and checks from the statuses recorded. Redacted secrets never enter the\n"
      "model: a header or field that carried one reads {env.NAME} at replay time. The model is stored in the\n"
      "store (replay it with --model ID) and, with -o, written as a file. A summary to check against what you\n"
      "know of your users is printed.");
  cmd->add_option("--db", f->db_path, "SQLite store holding the recordings")->required();
  cmd->add_option("--recording", f->recordings, "Id of a recording to use (repeatable; default: every recording)");
  cmd->add_option("-o,--output", f->out_path, "Also write the model to this JSON file (FILE.tmp, then renamed)");
  cmd->add_option("--session-gap", f->session_gap, "A visitor idle this long starts a new session")
      ->capture_default_str();
  cmd->add_option("--profile", f->profile_path,
                  "Profile file (format aria-harness/profile) naming the classes by route patterns; default: Aria's");
  cmd->add_option("--name", f->name, "Name of the model")->capture_default_str();
  cmd->add_flag("--verbatim", f->verbatim,
                "A model that replays the recording as it happened: one class per recorded session, its exact "
                "requests in order with their recorded gaps, correlation applied (replay --speed N compresses "
                "the gaps, --users clones sessions with fresh ids)");
  cmd->add_flag("--quiet", f->quiet, "Print nothing but errors");
  return [f] {
    model::SynthesisOptions o;
    o.session_gap = parse_duration(f->session_gap, "--session-gap");
    if (o.session_gap.count() <= 0) throw UsageError("--session-gap must be longer than 0");
    if (!f->profile_path.empty()) o.profile = model::load_profile(f->profile_path);
    o.name = f->name;
    o.verbatim = f->verbatim;
    require_store(f->db_path, "record");
    require_folder_of("-o", f->out_path);  // before the model is stored
    store::Database db(f->db_path, store::Database::Options{.create = false});
    auto ids = f->recordings;
    o.description = fmt::format("Synthesized from {} of {}", ids.empty() ? std::string("every recording")
                                                                        : fmt::format("recording(s) {}", fmt::join(ids, ", ")),
                                f->db_path);
    auto result = model::synthesize_from_store(db, ids, o);
    const auto text = model::to_json(result.model);
    store::ModelRow row;
    row.name = result.model.name;
    row.source = "synthesized";
    row.recording_ids = fmt::format("[{}]", fmt::join(ids.empty() ? store::recording_ids(db) : ids, ","));
    row.body = text;
    const auto id = store::upsert_model(db, row);
    if (!f->out_path.empty()) write_file_atomically(f->out_path, text, "model file");
    if (!f->quiet) {
      std::fputs(model::format_summary(result.summary).c_str(), stdout);
      std::printf("\nmodel %lld stored in %s%s; replay it with\n  aria-harness replay --db %s --model %lld --host URL\n",
                  static_cast<long long>(id), f->db_path.c_str(),
                  f->out_path.empty() ? "" : fmt::format(" and written to {}", f->out_path).c_str(), f->db_path.c_str(),
                  static_cast<long long>(id));
    }
    return kExitOk;
  };
}

}  // namespace aria::cli
