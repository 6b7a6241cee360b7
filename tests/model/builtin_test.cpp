#include "model/builtin.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "model/json.hpp"
#include "model/schema.hpp"

namespace aria::model {
namespace {

namespace json = boost::json;

struct Get {
  std::string path;
  double weight;
  bool operator==(const Get&) const = default;
};

// Every task of a class that is one GET whose stats name is its path, as (path, weight).
std::vector<Get> single_gets(const UserClass& c) {
  std::vector<Get> out;
  for (const auto& t : c.tasks) {
    EXPECT_EQ(t.steps.size(), 1u) << t.name;
    const Step& s = t.steps.at(0);
    EXPECT_EQ(s.method, "GET") << t.name;
    EXPECT_EQ(s.stats_name(), s.path) << t.name;
    EXPECT_FALSE(s.body) << t.name;
    EXPECT_EQ(s.check, Check{}) << t.name;  // Locust's default: any status below 400
    out.push_back({s.path, t.weight});
  }
  return out;
}

TEST(BuiltinAria, ValidatesAgainstTheSchema) {
  const json::value schema = json::parse(model_schema_text());
  const auto written = validate(schema, json::parse(to_json(builtin_aria())));
  EXPECT_FALSE(written) << written->describe();
  const auto shipped = validate(schema, json::parse(builtin_aria_json()));
  EXPECT_FALSE(shipped) << shipped->describe();
  EXPECT_EQ(parse_model(to_json(builtin_aria()), "round trip"), builtin_aria());
  EXPECT_EQ(load_model("builtin:aria"), builtin_aria());
  EXPECT_EQ(builtin_model_specs(), std::vector<std::string_view>{"builtin:aria"});
}

// model/builtin/aria.json is kept exactly as to_json writes it: a golden file for the writer.
TEST(BuiltinAria, IsShippedInTheFormToJsonWrites) {
  EXPECT_EQ(to_json(builtin_aria()), builtin_aria_json())
      << "regenerate model/builtin/aria.json from to_json(builtin_aria()) after changing the writer";
}

TEST(BuiltinAria, HasTheSeedsClassesInItsRatio) {
  const Model& m = builtin_aria();
  EXPECT_EQ(m.name, "aria");
  ASSERT_EQ(m.classes.size(), 3u);
  EXPECT_EQ(m.classes[0].name, "ChatUser");
  EXPECT_EQ(m.classes[0].weight, 5);
  EXPECT_EQ(m.classes[1].name, "DashboardUser");
  EXPECT_EQ(m.classes[1].weight, 3);
  EXPECT_EQ(m.classes[2].name, "APIUser");
  EXPECT_EQ(m.classes[2].weight, 2);
  // between(1, 5), between(2, 8), between(0.5, 2).
  EXPECT_EQ(m.classes[0].think, (ThinkTime{ThinkTime::Kind::uniform, 1, 5, {}}));
  EXPECT_EQ(m.classes[1].think, (ThinkTime{ThinkTime::Kind::uniform, 2, 8, {}}));
  EXPECT_EQ(m.classes[2].think, (ThinkTime{ThinkTime::Kind::uniform, 0.5, 2, {}}));
}

TEST(BuiltinAria, HasTheTenMessages) {
  const std::vector<std::string> want = {
      "Hello, how are you?",           "Tell me about Python 3.13",       "What's the weather like?",
      "Can you help me debug this code?", "Research the latest AI papers", "Write a haiku about programming",
      "Check the server health",       "Analyze the market trends today", "What are my goals for this sprint?",
      "Summarize our conversation"};
  EXPECT_EQ(builtin_aria().messages, want);
}

TEST(BuiltinAria, ChatUserCreatesChatsAndDeletesASession) {
  const UserClass& chat = builtin_aria().classes.at(0);
  ASSERT_EQ(chat.variables.size(), 1u);
  EXPECT_EQ(chat.variables.at("session_id"), (Generator{Generator::Kind::prefix_n, 8, "load-test-"}));

  ASSERT_EQ(chat.on_start.size(), 1u);
  const Step& create = chat.on_start[0];
  EXPECT_EQ(create.method, "POST");
  EXPECT_EQ(create.path, "/api/sessions");
  EXPECT_EQ(create.stats_name(), "/api/sessions");
  EXPECT_TRUE(create.body_is_json);
  EXPECT_EQ(create.body, R"({"session_id":"{session_id}","title":"Load Test Session"})");

  ASSERT_EQ(chat.on_stop.size(), 1u);
  EXPECT_EQ(chat.on_stop[0].method, "DELETE");
  EXPECT_EQ(chat.on_stop[0].path, "/api/sessions/{session_id}");
  EXPECT_EQ(chat.on_stop[0].stats_name(), "/api/sessions/[id]");

  ASSERT_EQ(chat.tasks.size(), 3u);
  const Task& send = chat.tasks[0];
  EXPECT_EQ(send.name, "send_chat_message");
  EXPECT_EQ(send.weight, 10);
  ASSERT_EQ(send.steps.size(), 1u);
  const Step& post = send.steps[0];
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.path, "/api/chat");
  EXPECT_EQ(post.stats_name(), "/api/chat");
  EXPECT_TRUE(post.body_is_json);
  EXPECT_EQ(post.body, R"({"session_id":"{session_id}","content":"{message}","stream":false})");
  // 200 with "content" or "error" succeeds; 429 fails as "Rate limited"; any other status fails
  // with the replayer's default "Status N".
  Check want;
  want.status = {200};
  want.json_any = {"content", "error"};
  want.json_failure = "No content in response";
  want.named_failures = {{429, "Rate limited"}};
  EXPECT_EQ(post.check, want);

  const Task& history = chat.tasks[1];
  EXPECT_EQ(history.name, "get_session_history");
  EXPECT_EQ(history.weight, 3);
  ASSERT_EQ(history.steps.size(), 1u);
  EXPECT_EQ(history.steps[0].method, "GET");
  EXPECT_EQ(history.steps[0].path, "/api/sessions/{session_id}/history");
  EXPECT_EQ(history.steps[0].stats_name(), "/api/sessions/[id]/history");

  const Task& search = chat.tasks[2];
  EXPECT_EQ(search.name, "search_sessions");
  EXPECT_EQ(search.weight, 1);
  ASSERT_EQ(search.steps.size(), 1u);
  EXPECT_EQ(search.steps[0].method, "GET");
  EXPECT_EQ(search.steps[0].path, "/api/sessions/search");
  EXPECT_EQ(search.steps[0].query, (std::vector<std::pair<std::string, std::string>>{{"q", "hello"}}));
  EXPECT_EQ(search.steps[0].stats_name(), "/api/sessions/search");
}

TEST(BuiltinAria, DashboardAndApiUsersGetPagesByWeight) {
  const Model& m = builtin_aria();
  EXPECT_EQ(single_gets(m.classes.at(1)), (std::vector<Get>{{"/dashboard", 5},
                                                            {"/agents", 3},
                                                            {"/skills", 3},
                                                            {"/sessions", 2},
                                                            {"/schedule", 2},
                                                            {"/status", 2},
                                                            {"/goals", 1},
                                                            {"/health/dashboard", 1}}));
  EXPECT_EQ(single_gets(m.classes.at(2)), (std::vector<Get>{{"/api/status", 5},
                                                            {"/api/agents", 3},
                                                            {"/api/skills", 3},
                                                            {"/api/models", 2},
                                                            {"/api/health", 1},
                                                            {"/metrics", 1}}));
  for (std::size_t i = 1; i < 3; ++i) {
    EXPECT_TRUE(m.classes[i].variables.empty());
    EXPECT_TRUE(m.classes[i].on_start.empty());
    EXPECT_TRUE(m.classes[i].on_stop.empty());
  }
}

}  // namespace
}  // namespace aria::model
