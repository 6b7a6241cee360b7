// The synthesizer: recorded exchanges in, a weighted user model out.
//
// Visitors' streams are split into sessions on idle gaps; paths become templates (segments that
// are ids become variables); values a visitor first received in a response and then sent back
// become extractions, values a visitor made up become per-user generated variables; visitors are
// put in classes by a profile of route patterns; each class gets its session-opening and
// -closing steps, tasks weighted by their share of requests, and the think times seen between
// them. Everything is deterministic: the same exchanges give the same model.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/model.hpp"
#include "model/profile.hpp"
#include "store/recordings.hpp"

namespace aria::model {

struct SynthesisOptions {
  std::chrono::microseconds session_gap = std::chrono::minutes(30);
  Profile profile = aria_profile();
  std::string name = "synthesized";
  std::string description;
  // One class per session replaying its requests in order with their recorded gaps (a verbatim
  // model; `replay` then plays the sessions as they happened).
  bool verbatim = false;
};

// What a person checks the model against: per class, where it came from and what it does.
struct ClassSummary {
  std::string name;
  bool from_profile = true;  // false: no profile class matched; named after its dominant route family
  std::int64_t visitors = 0, sessions = 0, requests = 0;
  double weight = 0;         // share of visitors
  std::vector<double> think_s;  // min, median, max of the think times seen ({} when none)
  std::vector<std::string> on_start, on_stop;            // stats names
  std::vector<std::pair<std::string, double>> tasks;     // stats name -> share of the class's task requests
  std::vector<std::string> generated, extracted;         // variable names
  std::vector<std::string> env;                          // environment variables the replay needs
};

struct SynthesisSummary {
  std::int64_t exchanges = 0, used = 0, visitors = 0, sessions = 0;
  std::int64_t websocket = 0;      // WebSocket upgrades: relayed and stored, not modelled as steps
  std::int64_t without_response = 0;  // no status (the upstream failed): not modelled
  std::int64_t not_text = 0;          // method, path or query not UTF-8: not modelled
  std::int64_t binary_bodies = 0;     // steps whose request body is binary: modelled without it
  std::int64_t templates = 0;
  bool verbatim = false;  // one class per recorded session
  std::vector<ClassSummary> classes;
  std::vector<std::string> notes;  // anything a person should know (unmatched visitors, ...)
};

struct Synthesis {
  Model model;
  SynthesisSummary summary;
};

// Feeds exchanges in two passes: first every exchange's method and path (observe_path), then
// each visitor's exchanges together, oldest first (add_visitor). A recording of any size is
// read one visitor at a time.
class Synthesizer {
 public:
  explicit Synthesizer(SynthesisOptions options);
  ~Synthesizer();
  Synthesizer(const Synthesizer&) = delete;
  Synthesizer& operator=(const Synthesizer&) = delete;

  void observe_path(std::string_view method, std::string_view path);
  // Call once every path is observed. Rows of one visitor, in the order they started.
  void add_visitor(std::span<const store::ExchangeRow> rows);
  // Throws aria::UsageError when nothing can be modelled (no exchanges, none with a response).
  Synthesis finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Both passes over rows held in memory (any order; grouped and sorted here).
Synthesis synthesize(std::vector<store::ExchangeRow> rows, SynthesisOptions options);

// Both passes over recordings in the store, one visitor at a time. Throws aria::UsageError for
// an unknown recording id or an empty selection.
Synthesis synthesize_from_store(const store::Database& db, const std::vector<std::int64_t>& recording_ids,
                                SynthesisOptions options);

// The summary as the text `synthesize` prints.
std::string format_summary(const SynthesisSummary& summary);

}  // namespace aria::model
