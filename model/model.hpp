// The user model: what the replayer runs and the synthesizer writes. Plain types; JSON in
// model/json.hpp, the format's contract in schemas/model.schema.json.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace aria::model {

inline constexpr int kFormatVersion = 1;
inline constexpr const char* kFormatName = "aria-harness/model";

// How long a user waits between tasks, in seconds.
struct ThinkTime {
  enum class Kind { constant, uniform, empirical };
  Kind kind = Kind::constant;
  double min_s = 0;                // constant: the value; uniform: the lower bound
  double max_s = 0;                // uniform: the upper bound
  std::vector<double> quantiles_s; // empirical: values at evenly spaced quantiles, first = min, last = max

  // The wait for a uniform draw u in [0, 1): constant, linear between min and max, or
  // interpolated between neighbouring quantiles.
  double at(double u) const;

  bool operator==(const ThinkTime&) const = default;
};

// A value generated once per virtual user.
struct Generator {
  enum class Kind { uuid, hex, prefix_n };
  Kind kind = Kind::uuid;
  int length = 8;       // hex: number of hex digits
  std::string prefix;   // prefix_n: prefix + user number (+ "-" + a token unique to the run)

  bool operator==(const Generator&) const = default;
};

// What makes a response a success.
struct Check {
  std::vector<int> status;                    // allowed statuses; empty: any status below 400
  std::vector<std::string> json_any;          // the JSON object must have at least one of these fields
  std::vector<std::string> json_all;          // ... and every one of these
  std::string json_failure = "";              // message when json_any/json_all fail; default names the fields
  std::map<int, std::string> named_failures;  // status -> failure message, e.g. 429 -> "Rate limited"

  bool operator==(const Check&) const = default;
};

// Takes a value from a response into a user variable.
struct Extraction {
  enum class From { json, header, regex };
  std::string var;
  From from = From::json;
  std::string pointer;  // json: RFC 6901 pointer, e.g. "/id"
  std::string header;   // header: name (case-insensitive)
  std::string pattern;  // regex: ECMAScript, searched in the body
  int group = 1;        // regex: capture group

  bool operator==(const Extraction&) const = default;
};

// One HTTP request. Templates hold {var} placeholders: a user variable, {message} (drawn from the
// message set), {env.NAME} (the environment at replay time); {{ and }} are literal braces.
struct Step {
  std::string method = "GET";
  std::string path;                                          // template
  std::vector<std::pair<std::string, std::string>> query;    // name -> template
  std::vector<std::pair<std::string, std::string>> headers;  // name -> template
  std::optional<std::string> body;                           // template (raw text)
  bool body_is_json = false;                                 // the body is a JSON template (content type set)
  std::string name;                                          // stats name; empty: the path template
  Check check;
  std::vector<Extraction> extract;
  double delay_s = 0;  // verbatim models: the recorded gap before this step

  const std::string& stats_name() const { return name.empty() ? path : name; }

  bool operator==(const Step&) const = default;
};

struct Task {
  std::string name;
  double weight = 1;
  std::vector<Step> steps;

  bool operator==(const Task&) const = default;
};

struct UserClass {
  std::string name;
  double weight = 1;
  ThinkTime think;
  std::map<std::string, Generator> variables;
  std::vector<Step> on_start;
  std::vector<Step> on_stop;
  std::vector<Task> tasks;
  double start_s = 0;  // verbatim models: when this session starts, after the run's start

  bool operator==(const UserClass&) const = default;
};

struct Model {
  int version = kFormatVersion;
  std::string name;
  std::string description;
  // A recording replayed as it happened: each class is one session, run once, its first task's
  // steps in order with their delays, from its start time.
  bool verbatim = false;
  std::vector<std::string> messages;
  std::vector<UserClass> classes;

  bool operator==(const Model&) const = default;
};

}  // namespace aria::model
