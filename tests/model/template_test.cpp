#include "model/template.hpp"

#include <gtest/gtest.h>

namespace aria::model {
namespace {

using Kind = TemplatePart::Kind;

TEST(Template, SplitsLiteralsAndPlaceholders) {
  const std::vector<TemplatePart> want = {
      {Kind::literal, "/api/sessions/"}, {Kind::variable, "session_id"}, {Kind::literal, "/x?m="},
      {Kind::message, ""},               {Kind::literal, "&k="},         {Kind::env, "ARIA_API_KEY"}};
  EXPECT_EQ(parse_template("/api/sessions/{session_id}/x?m={message}&k={env.ARIA_API_KEY}"), want);
}

TEST(Template, DoubledBracesAreLiteral) {
  const std::vector<TemplatePart> want = {{Kind::literal, "{\"a\": {"}, {Kind::variable, "x"}, {Kind::literal, "}}"}};
  EXPECT_EQ(parse_template("{{\"a\": {{{x}}}}}"), want);
  EXPECT_TRUE(parse_template("").empty());
}

TEST(Template, RefusesMalformedPlaceholders) {
  for (auto bad : {"/a/{id", "/a/{", "/a/}", "{}", "{not a name}", "{env.}", "{1x}", "{a{b}"}) {
    EXPECT_THROW(parse_template(bad), TemplateError) << bad;
  }
  try {
    parse_template("/api/{session_id");
    FAIL();
  } catch (const TemplateError& e) {
    EXPECT_NE(std::string(e.what()).find("unclosed \"{\" at character 6"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace aria::model
