// Redaction and visitor identity: plain functions, no sockets.
#include "recorder/redact.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "recorder/visitor.hpp"

namespace aria::recorder {
namespace {

TEST(Redactor, EqualSecretsGiveEqualMarkersAndTheKeyMatters) {
  Redactor a("key-1"), b("key-2");
  EXPECT_EQ(a.marker("s3cret"), a.marker("s3cret"));
  EXPECT_NE(a.marker("s3cret"), a.marker("other"));
  EXPECT_NE(a.marker("s3cret"), b.marker("s3cret"));
  EXPECT_TRUE(a.marker("s3cret").starts_with("[redacted:"));
  EXPECT_EQ(a.marker("s3cret").find("s3cret"), std::string::npos);
}

TEST(Redactor, DefaultHeadersAndAddedOnes) {
  Redactor r("k");
  for (auto h : {"Authorization", "proxy-authorization", "Cookie", "SET-COOKIE", "X-API-Key"})
    EXPECT_TRUE(r.is_secret_header(h)) << h;
  EXPECT_FALSE(r.is_secret_header("Content-Type"));
  EXPECT_EQ(r.header_value("Content-Type", "text/html"), "text/html");
  EXPECT_EQ(r.header_value("Authorization", "Bearer abc"), r.marker("Bearer abc"));
  r.add_header("X-Session-Token");
  EXPECT_TRUE(r.is_secret_header("x-session-token"));
}

TEST(Redactor, QueryParametersNamedLikeSecrets) {
  Redactor r("k");
  EXPECT_EQ(r.query("q=hello&api_key=K1&limit=20"), "q=hello&api_key=" + r.marker("K1") + "&limit=20");
  EXPECT_EQ(r.query("access_token=T&x"), "access_token=" + r.marker("T") + "&x");
  EXPECT_EQ(r.query("q=a"), "q=a");
  EXPECT_EQ(r.query(""), "");
}

TEST(Redactor, JsonFieldsWholeNestedAndTruncated) {
  Redactor r("k");
  auto out = r.json_text(R"({"user":"ann","password":"pw1","nested":{"refresh_token":"rt","n":1},"api_key":42})");
  EXPECT_EQ(out.find("pw1"), std::string::npos) << out;
  EXPECT_EQ(out.find("\"rt\""), std::string::npos) << out;
  EXPECT_EQ(out.find("42"), std::string::npos) << out;
  EXPECT_NE(out.find("\"ann\""), std::string::npos);
  EXPECT_NE(out.find("\"n\":1"), std::string::npos);
  // Cut off in the middle of a secret value: what is left of it is not stored either.
  auto cut = r.json_text(R"({"content":"x","secret":"abcdefgh)");
  EXPECT_EQ(cut.find("abcdef"), std::string::npos) << cut;
  // Escaped quotes inside strings do not confuse the scanner.
  auto escaped = r.json_text(R"({"note":"say \"password\": no","token":"t\"k"})");
  EXPECT_NE(escaped.find(R"(say \"password\": no)"), std::string::npos) << escaped;
  EXPECT_EQ(escaped.find(R"(t\"k)"), std::string::npos) << escaped;
  r.add_field("ssn");
  EXPECT_EQ(r.json_text(R"({"SSN":"123"})").find("123"), std::string::npos);
}

TEST(Redactor, SecretNamesAreWordsNotSubstrings) {
  Redactor r("k");
  for (auto n : {"password", "Password", "user_password", "passwd", "secret", "client_secret", "token", "access_token",
                 "refreshToken", "api_key", "apiKey", "x-api-key", "APIKEY", "private_key"})
    EXPECT_TRUE(r.is_secret_field(n)) << n;
  // LLM usage counts and the like stay readable.
  for (auto n : {"input_tokens", "output_tokens", "total_tokens", "tokens_input", "max_tokens", "keyword", "monkey",
                 "content", "session_id"})
    EXPECT_FALSE(r.is_secret_field(n)) << n;
  auto usage = r.json_text(R"({"input_tokens":5,"output_tokens":17,"token":"T"})");
  EXPECT_NE(usage.find(R"("input_tokens":5)"), std::string::npos) << usage;
  EXPECT_EQ(usage.find(R"("T")"), std::string::npos) << usage;
  r.add_field("ssn");
  EXPECT_TRUE(r.is_secret_field("user_ssn"));
  EXPECT_FALSE(r.is_secret_field("lessons"));
}

TEST(Redactor, BodiesByContentType) {
  Redactor r("k");
  EXPECT_EQ(r.body("application/x-www-form-urlencoded", "user=a&password=p").find("=p"), std::string::npos);
  EXPECT_EQ(r.body("application/json", R"({"token":"t"})").find("\"t\""), std::string::npos);
  EXPECT_EQ(r.body("", R"(  {"token":"t"})").find("\"t\""), std::string::npos);  // JSON without a content type
  EXPECT_EQ(r.body("text/html", "<p>password</p>"), "<p>password</p>");
}

TEST(Visitor, RulesAndFallbacks) {
  Redactor r("k");
  RawHeaders headers{{"Cookie", "a=1; sid=S-42; b=2"}, {"X-API-Key", "K"}, {"X-User", "u7"}};
  auto by_cookie = identify_visitor(VisitorRule::parse("cookie:sid"), headers, 9, r);
  EXPECT_EQ(by_cookie, "cookie:" + r.digest("S-42"));
  EXPECT_EQ(identify_visitor(VisitorRule::parse("header:X-User"), headers, 9, r), "header:" + r.digest("u7"));
  EXPECT_EQ(identify_visitor(VisitorRule::parse(""), headers, 9, r), "credential:" + r.digest("K"));
  // The rule's source missing: the credential, else the connection.
  EXPECT_EQ(identify_visitor(VisitorRule::parse("cookie:none"), headers, 9, r), "credential:" + r.digest("K"));
  EXPECT_EQ(identify_visitor(VisitorRule::parse("cookie:sid"), {}, 9, r), "connection:9");
  EXPECT_EQ(VisitorRule::parse("cookie:sid").describe(), "cookie:sid");
  EXPECT_EQ(VisitorRule::parse("").describe(), "credential");
  EXPECT_THROW(VisitorRule::parse("ip"), UsageError);
  EXPECT_THROW(VisitorRule::parse("cookie:"), UsageError);
}

TEST(Redactor, JsonStringSecretsHashWithoutTheirQuotes) {
  Redactor r("k");
  // The same secret in a body and in a header gives the same marker, so it can be correlated.
  auto out = r.json_text(R"({"token":"abc","n":1})");
  EXPECT_EQ(out, R"({"token":")" + r.marker("abc") + R"(","n":1})");
  EXPECT_EQ(r.header_value("X-API-Key", "abc"), r.marker("abc"));
  // A text with no secret comes back byte for byte, whatever its shape.
  for (std::string_view plain : {R"({"agents":[{"id":"a-1","name":"x \"y\" z","status":"idle"}],"count":1})",
                                 R"(["key","pass",{"keyword":"token"}])", R"({"a":"b\\","c":"d"})", "", "\"", "{\"a\":"})
    EXPECT_EQ(r.json_text(plain), plain);
}

TEST(Redactor, AddedFieldsAreFoundAtAnyLength) {
  Redactor r("k");
  r.add_field("x");  // one letter: every name is looked at
  EXPECT_EQ(r.json_text(R"({"x":"v1","y":"v2"})").find("v1"), std::string::npos);
  r.add_field("ssn");
  EXPECT_TRUE(r.is_secret_field("user_SSN"));
  EXPECT_FALSE(r.is_secret_field("session"));
}

}  // namespace
}  // namespace aria::recorder
