#include "replayer/plan.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "core/ids.hpp"

namespace aria::replayer {
namespace {

StepPlan compile_step(const model::Step& s) {
  StepPlan p;
  p.source = &s;
  p.method = s.method;
  p.key = {s.stats_name(), s.method};
  p.path = Template::compile(s.path, Template::Escape::url);
  for (const auto& [name, value] : s.query) {
    std::string encoded;
    url_encode(encoded, name);
    p.query.emplace_back(std::move(encoded), Template::compile(value, Template::Escape::url));
  }
  for (const auto& [name, value] : s.headers) p.headers.emplace_back(name, Template::compile(value));
  if (s.body) {
    p.has_body = true;
    p.body_is_json = s.body_is_json;
    p.body = s.body_is_json ? Template::compile_json(*s.body) : Template::compile(*s.body);
  }
  p.needs_message = p.body.uses_message() || p.path.uses_message();
  for (const auto& q : p.query) p.needs_message = p.needs_message || q.second.uses_message();
  p.needs_json = !s.check.json_any.empty() || !s.check.json_all.empty();
  for (const auto& e : s.extract) {
    if (e.from == model::Extraction::From::json) p.needs_json = true;
    if (e.from == model::Extraction::From::regex) p.regexes.emplace_back(e.pattern, std::regex::ECMAScript);
  }
  return p;
}

std::vector<StepPlan> compile_steps(const std::vector<model::Step>& steps) {
  std::vector<StepPlan> out;
  for (const auto& s : steps) out.push_back(compile_step(s));
  return out;
}

}  // namespace

std::size_t ClassPlan::pick_task(double u) const {
  double target = u * cumulative.back();
  auto it = std::upper_bound(cumulative.begin(), cumulative.end(), target);
  return std::min<std::size_t>(static_cast<std::size_t>(it - cumulative.begin()), tasks.size() - 1);
}

Plan compile_plan(const model::Model& model, std::uint64_t seed) {
  Plan plan;
  plan.model = &model;
  plan.run_token = fmt::format("{:06x}", seed & 0xffffff);
  for (const auto& c : model.classes) {
    ClassPlan cp;
    cp.source = &c;
    cp.name = c.name;
    cp.weight = c.weight;
    cp.on_start = compile_steps(c.on_start);
    cp.on_stop = compile_steps(c.on_stop);
    double sum = 0;
    for (const auto& t : c.tasks) {
      cp.tasks.push_back({t.name, compile_steps(t.steps)});
      sum += t.weight;
      cp.cumulative.push_back(sum);
    }
    if (cp.tasks.empty()) throw UsageError(fmt::format("class {} has no tasks to run", c.name));
    plan.classes.push_back(std::move(cp));
  }
  if (plan.classes.empty()) throw UsageError("the model has no user classes");
  return plan;
}

Vars make_user_vars(const ClassPlan& cls, const Plan& plan, std::uint64_t user_number, std::mt19937_64& rng) {
  Vars vars;
  for (const auto& [name, g] : cls.source->variables) {
    switch (g.kind) {
      case model::Generator::Kind::uuid: vars[name] = make_uuid4(rng); break;
      case model::Generator::Kind::hex: {
        std::string s;
        while (static_cast<int>(s.size()) < g.length) s += fmt::format("{:016x}", rng());
        s.resize(static_cast<std::size_t>(std::max(g.length, 0)));
        vars[name] = std::move(s);
        break;
      }
      case model::Generator::Kind::prefix_n:
        vars[name] = fmt::format("{}{}-{}", g.prefix, user_number, plan.run_token);
        break;
    }
  }
  return vars;
}

std::vector<std::uint64_t> class_counts(const std::vector<double>& weights, std::uint64_t total) {
  const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<std::uint64_t> counts(weights.size(), 0);
  if (weights.empty() || sum <= 0) return counts;
  std::vector<std::pair<double, std::size_t>> remainders;
  std::uint64_t given = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    double exact = static_cast<double>(total) * weights[i] / sum;
    counts[i] = static_cast<std::uint64_t>(exact);
    given += counts[i];
    remainders.emplace_back(exact - static_cast<double>(counts[i]), i);
  }
  std::stable_sort(remainders.begin(), remainders.end(), [](auto& a, auto& b) { return a.first > b.first; });
  for (std::size_t k = 0; given < total; ++k, ++given) ++counts[remainders[k % remainders.size()].second];
  // Every class gets a user while there are enough to go round, as Locust does.
  if (total >= weights.size()) {
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (counts[i] > 0) continue;
      auto donor = std::max_element(counts.begin(), counts.end());
      --*donor;
      ++counts[i];
    }
  }
  return counts;
}

ClassSequence::ClassSequence(std::vector<double> weights)
    : weights_(std::move(weights)), current_(weights_.size(), 0.0) {
  total_ = std::accumulate(weights_.begin(), weights_.end(), 0.0);
}

std::size_t ClassSequence::next() {
  std::size_t best = 0;
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    current_[i] += weights_[i];
    if (current_[i] > current_[best]) best = i;
  }
  current_[best] -= total_;
  return best;
}

}  // namespace aria::replayer
