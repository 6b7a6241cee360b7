// A model compiled for replay: templates parsed, regexes built, environment looked up, weights
// turned into cumulative tables. Built once before the run, then shared read-only by all threads.
#pragma once

#include <cstdint>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "model/model.hpp"
#include "replayer/stats.hpp"
#include "replayer/template.hpp"

namespace aria::replayer {

struct StepPlan {
  const model::Step* source = nullptr;
  std::string method;
  EndpointKey key;  // stats name and method
  Template path;
  std::vector<std::pair<std::string, Template>> query;  // name (encoded) -> value template
  std::vector<std::pair<std::string, Template>> headers;
  bool has_body = false;
  bool body_is_json = false;
  Template body;
  bool needs_message = false;
  std::vector<std::regex> regexes;  // one per regex extraction, in order
  bool needs_json = false;          // the checks or extractions read the body as JSON
};

struct TaskPlan {
  std::string name;
  std::vector<StepPlan> steps;
};

struct ClassPlan {
  const model::UserClass* source = nullptr;
  std::string name;
  double weight = 1;
  std::vector<StepPlan> on_start, on_stop;
  std::vector<TaskPlan> tasks;
  std::vector<double> cumulative;  // task weights, cumulative, last = total

  // The task for a uniform draw u in [0, 1).
  std::size_t pick_task(double u) const;
};

struct Plan {
  const model::Model* model = nullptr;
  std::vector<ClassPlan> classes;
  std::string run_token;  // 6 hex digits unique to the run: keeps prefix-n values apart across runs
};

// Throws aria::UsageError when an environment variable the model names is unset.
Plan compile_plan(const model::Model& model, std::uint64_t seed);

// Generates a user's variables. `user_number` counts users of the run from 1.
Vars make_user_vars(const ClassPlan& cls, const Plan& plan, std::uint64_t user_number, std::mt19937_64& rng);

// How many users of each class for `total` users: proportional to the weights, largest remainder,
// at least one of each class while total allows (as Locust distributes them).
std::vector<std::uint64_t> class_counts(const std::vector<double>& weights, std::uint64_t total);

// Smooth weighted round-robin: the class of each successive user, so that any prefix of the
// spawn order is as close to the weights as whole users allow.
class ClassSequence {
 public:
  explicit ClassSequence(std::vector<double> weights);
  std::size_t next();

 private:
  std::vector<double> weights_, current_;
  double total_ = 0;
};

}  // namespace aria::replayer
