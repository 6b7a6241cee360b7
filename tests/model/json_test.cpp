#include "model/json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>

#include <boost/json.hpp>

#include "core/errors.hpp"
#include "model/json_text.hpp"
#include "model/schema.hpp"

namespace aria::model {
namespace {

namespace json = boost::json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A model that uses every feature of the format.
Model rich_model() {
  Model m;
  m.name = "rich";
  m.description = "every feature once";
  m.messages = {"hello", "a \"quoted\" message", "unicode: é €"};

  UserClass c;
  c.name = "Shopper";
  c.weight = 2.5;
  c.think = {ThinkTime::Kind::empirical, 0, 0, {0.25, 0.5, 1.0, 2.75, 10}};
  c.variables["sid"] = {Generator::Kind::uuid, 8, ""};
  c.variables["tok"] = {Generator::Kind::hex, 12, ""};
  c.variables["user"] = {Generator::Kind::prefix_n, 8, "load-test-"};

  Step login;
  login.method = "POST";
  login.path = "/login";
  login.name = "/login";
  login.body = R"({"user":"{user}","n":[1,2.5,-3],"ok":true,"nested":{"k":null}})";
  login.body_is_json = true;
  login.check.status = {200, 201};
  login.check.json_all = {"token"};
  login.check.json_failure = "no token";
  login.extract.push_back({"token", Extraction::From::json, "/token", "", "", 1});
  login.extract.push_back({"loc", Extraction::From::header, "", "Location", "", 1});
  c.on_start.push_back(login);

  Step get;
  get.path = "/items/{sid}";
  get.query = {{"q", "{message}"}, {"b", "x"}, {"a", "{{literal}}"}};  // order kept, not sorted
  get.headers = {{"X-API-Key", "{env.ARIA_API_KEY}"}, {"Authorization", "Bearer {token}"}};
  get.check.json_any = {"items", "error"};
  get.check.named_failures = {{429, "Rate limited"}, {503, "Down"}};
  get.extract.push_back({"item", Extraction::From::regex, "", "", R"(id=(\w+)-(\d+))", 2});
  Step put;
  put.method = "PUT";
  put.path = "/items/{item}";
  put.name = "/items/[id]";
  put.body = "name={tok}&t={token} {{raw}}";
  c.tasks.push_back({"browse", 7, {get, put}});

  Step ping;
  ping.path = "/ping";
  c.tasks.push_back({"ping", 0.5, {ping}});

  Step bye;
  bye.method = "DELETE";
  bye.path = "/sessions/{loc}/{item}";  // on_stop may use what any task extracted
  c.on_stop.push_back(bye);
  m.classes.push_back(c);

  UserClass d;
  d.name = "Idle";
  d.think = {ThinkTime::Kind::constant, 1.5, 0, {}};
  Step home;
  home.path = "/";
  d.tasks.push_back({"home", 1, {home}});
  m.classes.push_back(d);

  UserClass u;
  u.name = "Uniform";
  u.weight = 1e-3;
  u.think = {ThinkTime::Kind::uniform, 0.5, 2, {}};
  u.tasks.push_back({"home", 3, {home}});
  m.classes.push_back(u);
  return m;
}

TEST(ModelJson, RichModelRoundTrips) {
  const Model m = rich_model();
  const std::string text = to_json(m);
  const Model back = parse_model(text, "rich.json");
  EXPECT_EQ(back, m) << text;
  EXPECT_EQ(to_json(back), text);
}

TEST(ModelJson, VerbatimFieldsRoundTrip) {
  Model m = rich_model();
  m.verbatim = true;
  m.classes[0].start_s = 12.5;
  m.classes[0].tasks[0].steps[0].delay_s = 0.25;
  const std::string text = to_json(m);
  EXPECT_THAT(text, HasSubstr("\"verbatim\": true"));
  EXPECT_THAT(text, HasSubstr("\"start\": 12.5"));
  EXPECT_THAT(text, HasSubstr("\"delay\": 0.25"));
  EXPECT_EQ(parse_model(text, "verbatim.json"), m);
  EXPECT_FALSE(validate(json::parse(model_schema_text()), json::parse(text)));
  // A negative delay is refused by the schema, naming the place.
  std::string bad = text;
  bad.replace(bad.find("\"delay\": 0.25"), 14, "\"delay\": -1");
  EXPECT_THROW(parse_model(bad, "bad.json"), UsageError);
}

TEST(ModelJson, WritesReadableJson) {
  const std::string text = to_json(rich_model());
  // Pretty-printed with two spaces, a JSON body as JSON, numbers as written by people.
  EXPECT_THAT(text, StartsWith("{\n  \"format\": \"aria-harness/model\",\n  \"version\": 1,\n"));
  EXPECT_THAT(text, HasSubstr("\"json\": {\n"));
  EXPECT_THAT(text, HasSubstr("\"n\": [1, 2.5, -3]"));
  EXPECT_THAT(text, HasSubstr("\"status\": [200, 201]"));
  EXPECT_THAT(text, HasSubstr("\"weight\": 2.5"));
  EXPECT_THAT(text, HasSubstr("\"quantiles\": [0.25, 0.5, 1, 2.75, 10]"));
  EXPECT_THAT(text, HasSubstr("\"failures\": {\"429\": \"Rate limited\", \"503\": \"Down\"}"));
  EXPECT_THAT(text, HasSubstr("\"think_time\": {\"kind\": \"constant\", \"value\": 1.5}"));
  EXPECT_THAT(text, HasSubstr("\"body\": \"name={tok}&t={token} {{raw}}\""));
  EXPECT_EQ(text.back(), '\n');
  // And it satisfies the schema.
  EXPECT_FALSE(validate(json::parse(model_schema_text()), json::parse(text)));
}

TEST(ModelJson, JsonBodiesAreStoredCompact) {
  const Model m = parse_model(R"({"format":"aria-harness/model","version":1,"name":"t","classes":[
      {"name":"C","think_time":{"kind":"constant","value":0},"variables":{"v":{"kind":"hex"}},
       "tasks":[{"name":"t","steps":[{"method":"POST","path":"/x",
                 "json":{ "a" : "{v}", "b": [ 1.50, 2 ], "c": {"{{k}}": "{{"} } }]}]}]})",
                              "t.json");
  const Step& s = m.classes[0].tasks[0].steps[0];
  EXPECT_TRUE(s.body_is_json);
  EXPECT_EQ(s.body, R"({"a":"{v}","b":[1.5,2],"c":{"{{k}}":"{{"}})");
  EXPECT_EQ(m.classes[0].variables.at("v").length, 8);  // the default
  EXPECT_EQ(m.classes[0].weight, 1);
  EXPECT_EQ(m.classes[0].tasks[0].weight, 1);
}

TEST(ModelJson, RefusesToWriteAJsonBodyThatIsNotJson) {
  Model m = rich_model();
  m.classes[0].on_start[0].body = "{not json";
  EXPECT_THROW(to_json(m), std::invalid_argument);
}

TEST(JsonText, WritesNumbersAsPeopleDo) {
  const auto v = json::parse(R"({"a":[1,2.5,1e-7,-0.1,1e20,18446744073709551615],"b":"x\"y\u00e9","c":{},"d":[]})");
  EXPECT_EQ(format_json(v, 0), "{\"a\":[1,2.5,1e-07,-0.1,1e+20,18446744073709551615],\"b\":\"x\\\"y\u00e9\","
                              "\"c\":{},\"d\":[]}");
  EXPECT_EQ(format_json(json::parse(R"({"a":{"b":[1,{"c":2}]}})"), 2),
            "{\n  \"a\": {\n    \"b\": [\n      1,\n      {\"c\": 2}\n    ]\n  }\n}");
  EXPECT_EQ(format_json(json::value(std::nan("")), 2), "null");
}

// ---- refusals ----------------------------------------------------------------------------------

constexpr const char* kBase = R"({
  "format": "aria-harness/model", "version": 1, "name": "t", "messages": ["hi"],
  "classes": [{
    "name": "C", "weight": 1, "think_time": {"kind": "constant", "value": 1},
    "variables": {"sid": {"kind": "uuid"}},
    "on_start": [{"method": "POST", "path": "/start",
                  "extract": [{"var": "started", "from": "json", "pointer": "/id"}]}],
    "tasks": [
      {"name": "a", "steps": [{"path": "/a/{sid}", "extract": [{"var": "a_id", "from": "header", "header": "X-Id"}]},
                              {"path": "/a/{a_id}/{started}"}]},
      {"name": "b", "steps": [{"path": "/b/{sid}?m={message}"}]}
    ],
    "on_stop": [{"method": "DELETE", "path": "/a/{a_id}/{started}"}]
  }]
})";

// The message parse_model gives for kBase changed by `edit`, or "" when it is accepted.
std::string refusal(const std::function<void(json::object&)>& edit) {
  json::value doc = json::parse(kBase);
  edit(doc.as_object());
  try {
    parse_model(json::serialize(doc), "model.json");
    return "";
  } catch (const UsageError& e) {
    return e.what();
  }
}

json::object& cls(json::object& root) { return root["classes"].as_array()[0].as_object(); }
json::object& step(json::object& root, std::size_t task, std::size_t s) {
  return cls(root)["tasks"].as_array()[task].as_object()["steps"].as_array()[s].as_object();
}

TEST(ModelJson, TheBaseOfTheRefusalsIsValid) {
  EXPECT_EQ(refusal([](json::object&) {}), "");
}

TEST(ModelJson, RefusesAWrongType) {
  EXPECT_EQ(refusal([](json::object& r) { cls(r)["name"] = 5; }),
            "model.json: classes[0].name: must be a string (got 5)");
  EXPECT_EQ(refusal([](json::object& r) { step(r, 0, 0)["query"] = json::array{}; }),
            "model.json: classes[0].tasks[0].steps[0].query: must be an object (got an empty array)");
}

TEST(ModelJson, RefusesAMissingRequiredField) {
  EXPECT_EQ(refusal([](json::object& r) { step(r, 1, 0).erase("path"); }),
            "model.json: classes[0].tasks[1].steps[0].path: required field is missing");
  EXPECT_EQ(refusal([](json::object& r) { r.erase("name"); }), "model.json: name: required field is missing");
}

TEST(ModelJson, RefusesANegativeWeight) {
  EXPECT_EQ(refusal([](json::object& r) { cls(r)["weight"] = -1; }),
            "model.json: classes[0].weight: must be a number greater than 0 (got -1)");
  EXPECT_EQ(refusal([](json::object& r) { cls(r)["tasks"].as_array()[1].as_object()["weight"] = 0; }),
            "model.json: classes[0].tasks[1].weight: must be a number greater than 0 (got 0)");
}

TEST(ModelJson, RefusesAnUnknownThinkTimeKind) {
  EXPECT_EQ(refusal([](json::object& r) { cls(r)["think_time"] = {{"kind", "gaussian"}, {"mean", 1}}; }),
            "model.json: classes[0].think_time.kind: must be one of \"uniform\", \"constant\", \"empirical\" "
            "(got \"gaussian\")");
  EXPECT_EQ(refusal([](json::object& r) { cls(r)["think_time"] = {{"kind", "uniform"}, {"min", 1}}; }),
            "model.json: classes[0].think_time.max: required field is missing");
  EXPECT_EQ(refusal([](json::object& r) { cls(r)["think_time"] = {{"kind", "uniform"}, {"min", 3}, {"max", 1}}; }),
            "model.json: classes[0].think_time.max: must not be less than min (3) (got 1)");
  EXPECT_EQ(refusal([](json::object& r) {
              cls(r)["think_time"] = {{"kind", "empirical"}, {"quantiles", {0.5, 2, 1}}};
            }),
            "model.json: classes[0].think_time.quantiles[2]: quantiles must not decrease: must be at least 2 "
            "(the one before it) (got 1)");
  EXPECT_EQ(refusal([](json::object& r) { cls(r)["think_time"] = {{"kind", "empirical"}, {"quantiles", {0.5}}}; }),
            "model.json: classes[0].think_time.quantiles: must have at least 2 items (got 1)");
}

TEST(ModelJson, RefusesAnUndefinedPlaceholder) {
  EXPECT_THAT(refusal([](json::object& r) { step(r, 1, 0)["path"] = "/b/{sessionid}"; }),
              StartsWith("model.json: classes[0].tasks[1].steps[0].path: unknown placeholder {sessionid}; "
                         "defined here: {sid}, {started}, {message}, {env.NAME}"));
  // In a query value, a header value, a raw body and a string deep in a JSON body.
  EXPECT_THAT(refusal([](json::object& r) { step(r, 1, 0)["query"] = {{"q", "{nope}"}}; }),
              StartsWith("model.json: classes[0].tasks[1].steps[0].query.q: unknown placeholder {nope}"));
  EXPECT_THAT(refusal([](json::object& r) { step(r, 1, 0)["headers"] = {{"X-Api-Key", "{nope}"}}; }),
              StartsWith("model.json: classes[0].tasks[1].steps[0].headers[\"X-Api-Key\"]: unknown placeholder"));
  EXPECT_THAT(refusal([](json::object& r) { step(r, 1, 0)["body"] = "x={nope}"; }),
              StartsWith("model.json: classes[0].tasks[1].steps[0].body: unknown placeholder {nope}"));
  EXPECT_THAT(refusal([](json::object& r) { step(r, 1, 0)["json"] = json::parse(R"({"a":[1,{"b":"{nope}"}]})"); }),
              StartsWith("model.json: classes[0].tasks[1].steps[0].json.a[1].b: unknown placeholder {nope}"));
}

TEST(ModelJson, PlaceholdersFollowTheOrderOfSteps) {
  // Another task's extraction is not visible; the hint says why.
  EXPECT_THAT(refusal([](json::object& r) { step(r, 1, 0)["path"] = "/b/{a_id}"; }),
              AllOf(StartsWith("model.json: classes[0].tasks[1].steps[0].path: unknown placeholder {a_id}"),
                    HasSubstr("extracted only by a later step, another task or on_stop")));
  // Nor is a step's own extraction, for the step itself.
  EXPECT_THAT(refusal([](json::object& r) { step(r, 0, 0)["path"] = "/a/{a_id}"; }),
              StartsWith("model.json: classes[0].tasks[0].steps[0].path: unknown placeholder {a_id}"));
  // An on_start step cannot use what a task extracts.
  EXPECT_THAT(refusal([](json::object& r) { cls(r)["on_start"].as_array()[0].as_object()["path"] = "/{a_id}"; }),
              StartsWith("model.json: classes[0].on_start[0].path: unknown placeholder {a_id}"));
  // {message} needs a message set; {env.NAME} is always defined.
  EXPECT_THAT(refusal([](json::object& r) { r.erase("messages"); }),
              StartsWith("model.json: classes[0].tasks[1].steps[0].path: {message} draws from the message set"));
  EXPECT_EQ(refusal([](json::object& r) { step(r, 1, 0)["headers"] = {{"Authorization", "Bearer {env.TOKEN}"}}; }),
            "");
}

TEST(ModelJson, RefusesAnUnclosedBrace) {
  EXPECT_THAT(refusal([](json::object& r) { step(r, 0, 1)["path"] = "/a/{a_id"; }),
              StartsWith("model.json: classes[0].tasks[0].steps[1].path: unclosed \"{\" at character 4"));
  EXPECT_THAT(refusal([](json::object& r) { step(r, 0, 1)["body"] = "{\"json\": \"in a raw body\"}"; }),
              StartsWith("model.json: classes[0].tasks[0].steps[1].body: \"{\"json\": \"in a raw body\"}\" at "
                         "character 1 is not a placeholder"));
  EXPECT_EQ(refusal([](json::object& r) { step(r, 0, 1)["body"] = "{{\"json\": \"escaped\"}}"; }), "");
}

TEST(ModelJson, RefusesABadStatus) {
  EXPECT_EQ(refusal([](json::object& r) { step(r, 0, 0)["check"] = {{"status", {200, 600}}}; }),
            "model.json: classes[0].tasks[0].steps[0].check.status[1]: must be an integer from 100 to 599 (got 600)");
  EXPECT_EQ(refusal([](json::object& r) { step(r, 0, 0)["check"] = {{"failures", {{"42x", "odd"}}}}; }),
            "model.json: classes[0].tasks[0].steps[0].check.failures[\"42x\"]: the key must be an HTTP status "
            "from 100 to 599, like \"429\" (got \"42x\")");
}

TEST(ModelJson, RefusesABadRegex) {
  EXPECT_THAT(refusal([](json::object& r) {
                step(r, 0, 0)["extract"] = json::parse(R"([{"var":"x","from":"regex","pattern":"id=(\\w+"}])");
              }),
              StartsWith("model.json: classes[0].tasks[0].steps[0].extract[0].pattern: not a valid ECMAScript "
                         "regular expression: "));
  EXPECT_EQ(refusal([](json::object& r) {
              step(r, 0, 0)["extract"] =
                  json::parse(R"j([{"var":"x","from":"regex","pattern":"id=(\\w+)","group":2}])j");
            }),
            "model.json: classes[0].tasks[0].steps[0].extract[0].group: the pattern has 1 capture group, so group "
            "must be from 0 (the whole match) to 1 (got 2)");
  EXPECT_THAT(refusal([](json::object& r) {
                step(r, 0, 0)["extract"] = json::parse(R"([{"var":"x","from":"regex","pattern":"id=\\w+"}])");
              }),
              StartsWith("model.json: classes[0].tasks[0].steps[0].extract[0].pattern: has no capture group"));
}

TEST(ModelJson, RefusesOtherBadExtractions) {
  EXPECT_THAT(refusal([](json::object& r) {
                step(r, 0, 0)["extract"] = json::parse(R"([{"var":"x","from":"json","pointer":"id"}])");
              }),
              StartsWith("model.json: classes[0].tasks[0].steps[0].extract[0].pointer: not a JSON pointer"));
  EXPECT_THAT(refusal([](json::object& r) {
                step(r, 0, 0)["extract"] = json::parse(R"([{"var":"x","from":"json","pointer":"/a~2b"}])");
              }),
              StartsWith("model.json: classes[0].tasks[0].steps[0].extract[0].pointer: not a JSON pointer"));
  EXPECT_EQ(refusal([](json::object& r) {
              step(r, 1, 0)["extract"] = json::parse(R"([{"var":"x","from":"json","pointer":"/a~1b/0/~0"}])");
            }),
            "");
  EXPECT_EQ(refusal([](json::object& r) {
              step(r, 0, 0)["extract"] = json::parse(R"([{"var":"x","from":"xml","path":"/a"}])");
            }),
            "model.json: classes[0].tasks[0].steps[0].extract[0].from: must be one of \"json\", \"header\", "
            "\"regex\" (got \"xml\")");
  EXPECT_THAT(refusal([](json::object& r) {
                step(r, 0, 0)["extract"] = json::parse(R"([{"var":"message","from":"header","header":"X"}])");
              }),
              StartsWith("model.json: classes[0].tasks[0].steps[0].extract[0].var: \"message\" is reserved"));
}

TEST(ModelJson, RefusesEmptyClassesAndTasks) {
  EXPECT_EQ(refusal([](json::object& r) { r["classes"] = json::array{}; }),
            "model.json: classes: must have at least 1 item (got none)");
  EXPECT_EQ(refusal([](json::object& r) { cls(r)["tasks"] = json::array{}; }),
            "model.json: classes[0].tasks: must have at least 1 item (got none)");
}

TEST(ModelJson, RefusesAnUnknownField) {
  EXPECT_EQ(refusal([](json::object& r) { r["frobnicate"] = true; }),
            "model.json: frobnicate: unknown field; allowed fields: format, version, name, description, verbatim, "
            "messages, classes");
  EXPECT_THAT(refusal([](json::object& r) { step(r, 0, 0)["url"] = "/x"; }),
              StartsWith("model.json: classes[0].tasks[0].steps[0].url: unknown field; allowed fields: method, "
                         "path, name, query, headers, body, json, check, extract"));
}

TEST(ModelJson, RefusesOtherVersionsAndFormats) {
  EXPECT_EQ(refusal([](json::object& r) { r["version"] = 2; }),
            "model.json: version: this aria-harness reads model format version 1 (got 2); the file was written "
            "by a newer aria-harness");
  EXPECT_EQ(refusal([](json::object& r) { r["version"] = 0; }),
            "model.json: version: this aria-harness reads model format version 1 (got 0)");
  EXPECT_EQ(refusal([](json::object& r) { r["version"] = "1"; }),
            "model.json: version: must be an integer (got \"1\")");
  EXPECT_EQ(refusal([](json::object& r) { r["format"] = "locust"; }),
            "model.json: format: must be \"aria-harness/model\" (got \"locust\"): this is not an aria-harness model");
}

TEST(ModelJson, RefusesOtherMistakes) {
  EXPECT_THAT(refusal([](json::object& r) { step(r, 0, 0)["method"] = "get"; }),
              StartsWith("model.json: classes[0].tasks[0].steps[0].method: must match the pattern"));
  EXPECT_EQ(refusal([](json::object& r) {
              step(r, 0, 0)["body"] = "x";
              step(r, 0, 0)["json"] = json::object{};
            }),
            "model.json: classes[0].tasks[0].steps[0].json: a step has a raw \"body\" or a \"json\" body, not both");
  EXPECT_THAT(refusal([](json::object& r) { step(r, 0, 0)["headers"] = {{"Bad Header", "x"}}; }),
              StartsWith("model.json: classes[0].tasks[0].steps[0].headers[\"Bad Header\"]: a header name is a "
                         "token"));
  EXPECT_THAT(refusal([](json::object& r) { cls(r)["variables"].as_object()["env"] = {{"kind", "uuid"}}; }),
              StartsWith("model.json: classes[0].variables.env: \"env\" is reserved"));
  EXPECT_THAT(refusal([](json::object& r) { cls(r)["variables"].as_object()["a-b"] = {{"kind", "uuid"}}; }),
              StartsWith("model.json: classes[0].variables[\"a-b\"]: a variable name is"));
  EXPECT_EQ(refusal([](json::object& r) { cls(r)["variables"].as_object()["sid"] = {{"kind", "hex"}, {"length", 0}}; }),
            "model.json: classes[0].variables.sid.length: must be an integer from 1 to 64 (got 0)");
  EXPECT_EQ(refusal([](json::object& r) { r["classes"].as_array().push_back(r["classes"].as_array()[0]); }),
            "model.json: classes[1].name: the class name \"C\" is already used by classes[0]; class names must be "
            "unique");
  EXPECT_THAT(refusal([](json::object& r) { cls(r)["tasks"].as_array()[1].as_object()["name"] = "a"; }),
              StartsWith("model.json: classes[0].tasks[1].name: the task name \"a\" is already used"));
}

TEST(ModelJson, ASyntaxErrorNamesTheLineAndColumn) {
  const std::string text = "{\n  \"format\": \"aria-harness/model\",\n  \"version\": 1,,\n}";
  try {
    parse_model(text, "model.json");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), StartsWith("model.json:3:16: not valid JSON: syntax error at \",\""));
  }
  try {
    parse_model("{\"a\": [1, 2", "model.json");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), StartsWith("model.json:1:12: not valid JSON: "));
    EXPECT_THAT(e.what(), HasSubstr("at the end of the text"));
  }
  EXPECT_THROW(parse_model("{} trailing", "model.json"), UsageError);
  try {
    parse_model(" \n", "model.json");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "model.json: is empty; expected a model in JSON");
  }
  try {
    parse_model("[]", "model.json");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "model.json: (top level): must be an object (got an empty array)");
  }
}

TEST(LoadModel, ReadsAFile) {
  const auto path = std::filesystem::temp_directory_path() / "aria_model_test_load.json";
  {
    std::ofstream out(path);
    out << to_json(rich_model());
  }
  EXPECT_EQ(load_model(path.string()), rich_model());
  {
    std::ofstream out(path);
    out << R"({"format": "aria-harness/model", "version": 1, "name": "x", "classes": []})";
  }
  try {
    load_model(path.string());
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), path.string() + ": classes: must have at least 1 item (got none)");
  }
  std::filesystem::remove(path);
}

TEST(LoadModel, RefusesAMissingFileNamingIt) {
  try {
    load_model("/nonexistent/dir/model.json");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("\"/nonexistent/dir/model.json\" does not exist"));
  }
  try {
    load_model(std::filesystem::temp_directory_path().string());
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("is a directory"));
  }
}

TEST(LoadModel, RefusesAnUnknownBuiltinListingTheKnownOnes) {
  try {
    load_model("builtin:locust");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "unknown built-in model \"builtin:locust\"; the built-in models are: builtin:aria");
  }
}

}  // namespace
}  // namespace aria::model
