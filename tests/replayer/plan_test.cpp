// Templates, class distribution and checks: the replayer's pure logic.
#include <cstdlib>

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "replayer/checks.hpp"
#include "replayer/plan.hpp"
#include "replayer/template.hpp"

namespace aria::replayer {
namespace {

TEST(Template, RendersVariablesMessagesAndLiteralBraces) {
  Vars vars{{"session_id", "abc"}};
  auto t = Template::compile("/api/sessions/{session_id}/history?x={{y}}");
  EXPECT_EQ(t.render(vars, ""), "/api/sessions/abc/history?x={y}");
  auto m = Template::compile("say {message}");
  EXPECT_TRUE(m.uses_message());
  EXPECT_EQ(m.render(vars, "hello"), "say hello");
  std::string missing;
  Template::compile("{nope}").render(vars, "", &missing);
  EXPECT_EQ(missing, "nope");
  EXPECT_THROW(Template::compile("{open"), UsageError);
}

TEST(Template, EscapesForJsonAndUrls) {
  Vars vars{{"v", "a \"b\"\n/c"}};
  EXPECT_EQ(Template::compile_json(R"({"x":"{v}","n":[1,true,null],"k{{":"say {{hi}}"})").render(vars, ""),
            R"({"x":"a \"b\"\n/c","n":[1,true,null],"k{{":"say {hi}"})");
  EXPECT_EQ(Template::compile("/s/{v}", Template::Escape::url).render(vars, ""), "/s/a%20%22b%22%0A%2Fc");
}

TEST(Template, EnvironmentIsReadAtCompileTime) {
  setenv("ARIA_TEST_KEY", "k-123", 1);
  EXPECT_EQ(Template::compile("{env.ARIA_TEST_KEY}").render({}, ""), "k-123");
  unsetenv("ARIA_TEST_KEY");
  try {
    Template::compile("{env.ARIA_TEST_KEY}");
    FAIL() << "a missing environment variable was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("ARIA_TEST_KEY"), std::string::npos);
  }
}

TEST(Distribution, ClassCountsFollowWeightsLikeLocust) {
  EXPECT_EQ(class_counts({5, 3, 2}, 50), (std::vector<std::uint64_t>{25, 15, 10}));
  EXPECT_EQ(class_counts({5, 3, 2}, 10), (std::vector<std::uint64_t>{5, 3, 2}));
  EXPECT_EQ(class_counts({5, 3, 2}, 3), (std::vector<std::uint64_t>{1, 1, 1}));
  auto big = class_counts({5, 3, 2}, 50'000);
  EXPECT_EQ(big[0] + big[1] + big[2], 50'000u);
  EXPECT_EQ(big[0], 25'000u);
}

TEST(Distribution, SpawnOrderStaysCloseToTheWeightsAtEveryPrefix) {
  ClassSequence seq({5, 3, 2});
  std::vector<double> seen(3, 0);
  for (int n = 1; n <= 100; ++n) {
    seen[seq.next()] += 1;
    EXPECT_NEAR(seen[0], n * 0.5, 1.0) << n;
    EXPECT_NEAR(seen[1], n * 0.3, 1.0) << n;
    EXPECT_NEAR(seen[2], n * 0.2, 1.0) << n;
  }
}

TEST(Checks, TheSeedsChatCheck) {
  model::Check c;
  c.status = {200};
  c.json_any = {"content", "error"};
  c.json_failure = "No content in response";
  c.named_failures = {{429, "Rate limited"}};
  auto eval = [&](int status, std::string body) {
    LazyJson json(body);
    return evaluate_check(c, status, json);
  };
  EXPECT_FALSE(eval(200, R"({"content":"hi"})"));
  EXPECT_FALSE(eval(200, R"({"error":"LLM down"})"));
  EXPECT_EQ(eval(200, R"({"other":1})")->message, "No content in response");
  EXPECT_EQ(eval(200, "not json")->kind, FailureKind::check);
  EXPECT_EQ(eval(429, "")->message, "Rate limited");
  EXPECT_EQ(eval(500, "")->message, "Status 500");
  EXPECT_EQ(eval(500, "")->kind, FailureKind::status);
  model::Check none;
  LazyJson empty("");
  EXPECT_FALSE(evaluate_check(none, 302, empty));
  EXPECT_EQ(evaluate_check(none, 404, empty)->message, "Status 404");
}

TEST(Checks, ExtractionsFromJsonHeaderAndRegex) {
  model::Step step;
  step.extract = {{"id", model::Extraction::From::json, "/id", "", "", 1},
                  {"loc", model::Extraction::From::header, "", "Location", "", 1},
                  {"tok", model::Extraction::From::regex, "", "", "token=(\\w+)", 1}};
  std::vector<std::regex> regexes{std::regex("token=(\\w+)")};
  std::string body = R"({"id":"u-1","note":"token=xyz"})";
  LazyJson json(body);
  Vars vars;
  auto header = [](std::string_view name) { return name == "Location" ? std::string("/s/9") : std::string(); };
  EXPECT_FALSE(apply_extractions(step, regexes, body, json, header, vars));
  EXPECT_EQ(vars["id"], "u-1");
  EXPECT_EQ(vars["loc"], "/s/9");
  EXPECT_EQ(vars["tok"], "xyz");
  std::string other = R"({"nope":1})";
  LazyJson json2(other);
  auto failure = apply_extractions(step, regexes, other, json2, header, vars);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->message, "Could not extract id");
}

}  // namespace
}  // namespace aria::replayer
