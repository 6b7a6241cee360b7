#include "model/schema.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace aria::model {
namespace {

std::optional<SchemaError> check(std::string_view schema, std::string_view doc) {
  return validate(boost::json::parse(schema), boost::json::parse(doc));
}

// The error as "path: message", or "ok".
std::string outcome(std::string_view schema, std::string_view doc) {
  auto e = check(schema, doc);
  return e ? e->describe() : "ok";
}

TEST(Schema, Type) {
  EXPECT_EQ(outcome(R"({"type":"string"})", R"("x")"), "ok");
  EXPECT_EQ(outcome(R"({"type":"string"})", "5"), "(top level): must be a string (got 5)");
  EXPECT_EQ(outcome(R"({"type":"integer"})", "5.0"), "ok");
  EXPECT_EQ(outcome(R"({"type":"integer"})", "5.5"), "(top level): must be an integer (got 5.5)");
  EXPECT_EQ(outcome(R"({"type":"number"})", "-3"), "ok");
  EXPECT_EQ(outcome(R"({"type":"object"})", "[1]"), "(top level): must be an object (got an array)");
  EXPECT_EQ(outcome(R"({"type":["string","null"]})", "null"), "ok");
  EXPECT_EQ(outcome(R"({"type":["string","null"]})", "true"), "(top level): must be a string or null (got true)");
  EXPECT_EQ(outcome(R"({"type":"boolean"})", R"("yes")"), R"((top level): must be a boolean (got "yes"))");
}

TEST(Schema, PropertiesAndPaths) {
  const auto* schema = R"({"properties":{"a":{"type":"array","items":{"properties":{"b":{"type":"integer"}}}}}})";
  EXPECT_EQ(outcome(schema, R"({"a":[{"b":1},{"b":2}]})"), "ok");
  EXPECT_EQ(outcome(schema, R"({"a":[{"b":1},{"b":"2"}]})"), R"(a[1].b: must be an integer (got "2"))");
  // Names that are not identifiers are quoted.
  EXPECT_EQ(outcome(R"({"properties":{"X-Key":{"type":"string"}}})", R"({"X-Key":1})"),
            R"(["X-Key"]: must be a string (got 1))");
}

TEST(Schema, Required) {
  const auto* schema = R"({"type":"object","required":["name"]})";
  EXPECT_EQ(outcome(schema, R"({"name":"x"})"), "ok");
  EXPECT_EQ(outcome(schema, R"({})"), "name: required field is missing");
}

TEST(Schema, AdditionalProperties) {
  const auto* closed = R"({"properties":{"a":{},"b":{}},"additionalProperties":false})";
  EXPECT_EQ(outcome(closed, R"({"a":1})"), "ok");
  EXPECT_EQ(outcome(closed, R"({"a":1,"c":2})"), "c: unknown field; allowed fields: a, b");
  const auto* typed = R"({"additionalProperties":{"type":"string"}})";
  EXPECT_EQ(outcome(typed, R"({"x":"1"})"), "ok");
  EXPECT_EQ(outcome(typed, R"({"x":1})"), "x: must be a string (got 1)");
}

TEST(Schema, Items) {
  EXPECT_EQ(outcome(R"({"items":{"type":"integer"}})", "[1,2,3]"), "ok");
  EXPECT_EQ(outcome(R"({"items":{"type":"integer"}})", R"([1,"two"])"), R"([1]: must be an integer (got "two"))");
}

TEST(Schema, EnumAndConst) {
  EXPECT_EQ(outcome(R"({"enum":["GET","POST"]})", R"("POST")"), "ok");
  EXPECT_EQ(outcome(R"({"enum":["GET","POST"]})", R"("PUT")"),
            R"((top level): must be one of "GET", "POST" (got "PUT"))");
  EXPECT_EQ(outcome(R"({"const":1})", "1.0"), "ok");  // the same number
  EXPECT_EQ(outcome(R"({"const":1})", "2"), "(top level): must be 1 (got 2)");
  EXPECT_EQ(outcome(R"({"const":{"a":[1]}})", R"({"a":[1]})"), "ok");
}

TEST(Schema, NumericBounds) {
  EXPECT_EQ(outcome(R"({"type":"number","minimum":0})", "0"), "ok");
  EXPECT_EQ(outcome(R"({"type":"number","minimum":0})", "-0.5"),
            "(top level): must be a number of at least 0 (got -0.5)");
  EXPECT_EQ(outcome(R"({"type":"number","exclusiveMinimum":0})", "0.1"), "ok");
  EXPECT_EQ(outcome(R"({"type":"number","exclusiveMinimum":0})", "0"),
            "(top level): must be a number greater than 0 (got 0)");
  EXPECT_EQ(outcome(R"({"maximum":10})", "10"), "ok");
  EXPECT_EQ(outcome(R"({"maximum":10})", "11"), "(top level): must be at most 10 (got 11)");
  EXPECT_EQ(outcome(R"({"type":"integer","minimum":100,"maximum":599})", "600"),
            "(top level): must be an integer from 100 to 599 (got 600)");
  EXPECT_EQ(outcome(R"({"type":"integer","minimum":100,"maximum":599})", R"("x")"),
            R"((top level): must be an integer (got "x"))");  // bounds apply to numbers only
}

TEST(Schema, MinItemsAndMinLength) {
  EXPECT_EQ(outcome(R"({"minItems":1})", "[0]"), "ok");
  EXPECT_EQ(outcome(R"({"minItems":1})", "[]"), "(top level): must have at least 1 item (got none)");
  EXPECT_EQ(outcome(R"({"minItems":2})", "[0]"), "(top level): must have at least 2 items (got 1)");
  EXPECT_EQ(outcome(R"({"minLength":1})", R"("a")"), "ok");
  EXPECT_EQ(outcome(R"({"minLength":1})", R"("")"), "(top level): must not be empty");
  EXPECT_EQ(outcome(R"({"minLength":3})", R"("é€")"),
            R"((top level): must be at least 3 characters long (got "é€"))");
  EXPECT_EQ(outcome(R"({"minLength":2})", R"("é€")"), "ok");  // characters, not bytes
}

TEST(Schema, Pattern) {
  EXPECT_EQ(outcome(R"({"pattern":"^[A-Z]+$"})", R"("GET")"), "ok");
  EXPECT_EQ(outcome(R"({"pattern":"^[A-Z]+$"})", R"("get")"),
            R"((top level): must match the pattern "^[A-Z]+$" (got "get"))");
  EXPECT_EQ(outcome(R"({"pattern":"b"})", R"("abc")"), "ok");  // a search, not a full match
}

TEST(Schema, OneOf) {
  const auto* schema = R"({"oneOf":[{"type":"integer"},{"type":"string"}]})";
  EXPECT_EQ(outcome(schema, "1"), "ok");
  EXPECT_EQ(outcome(schema, R"("a")"), "ok");
  EXPECT_NE(outcome(schema, "true").find("(top level): matches none of the allowed forms"), std::string::npos);
  EXPECT_EQ(outcome(R"({"oneOf":[{"type":"number"},{"type":"integer"}]})", "1"),
            "(top level): matches 2 of the allowed forms; it must match exactly one");
}

TEST(Schema, OneOfWithADiscriminatorReportsTheChosenBranch) {
  const auto* schema = R"({"oneOf":[
      {"type":"object","properties":{"kind":{"const":"a"},"n":{"type":"integer"}},"required":["kind","n"]},
      {"type":"object","properties":{"kind":{"const":"b"},"s":{"type":"string"}},"required":["kind"]}]})";
  EXPECT_EQ(outcome(schema, R"({"kind":"a","n":1})"), "ok");
  EXPECT_EQ(outcome(schema, R"({"kind":"a","n":"x"})"), R"(n: must be an integer (got "x"))");
  EXPECT_EQ(outcome(schema, R"({"kind":"b","s":2})"), "s: must be a string (got 2)");
  EXPECT_EQ(outcome(schema, R"({"kind":"c"})"), R"(kind: must be one of "a", "b" (got "c"))");
  EXPECT_EQ(outcome(schema, R"({"n":1})"), R"(kind: required field is missing; one of "a", "b")");
  EXPECT_EQ(outcome(schema, "3"), "(top level): must be an object (got 3)");
}

TEST(Schema, LocalReferences) {
  const auto* schema = R"({"$defs":{"pos":{"type":"number","exclusiveMinimum":0},
                                    "list":{"type":"array","items":{"$ref":"#/$defs/pos"}}},
                           "properties":{"w":{"$ref":"#/$defs/list"}}})";
  EXPECT_EQ(outcome(schema, R"({"w":[1,2]})"), "ok");
  EXPECT_EQ(outcome(schema, R"({"w":[1,-1]})"), "w[1]: must be a number greater than 0 (got -1)");
  // Recursion through "#".
  const auto* tree = R"({"type":"object","properties":{"kids":{"type":"array","items":{"$ref":"#"}}},
                         "additionalProperties":false})";
  EXPECT_EQ(outcome(tree, R"({"kids":[{"kids":[]},{"kids":[{}]}]})"), "ok");
  EXPECT_EQ(outcome(tree, R"({"kids":[{"kids":[{"x":1}]}]})"),
            "kids[0].kids[0].x: unknown field; allowed fields: kids");
}

TEST(Schema, BooleanSchemasAndAnnotations) {
  EXPECT_EQ(outcome("true", "[1]"), "ok");
  EXPECT_EQ(outcome("false", "1"), "(top level): is not allowed here");
  EXPECT_EQ(outcome(R"({"$schema":"x","title":"t","description":"d","$comment":"c"})", "1"), "ok");
}

TEST(Schema, MalformedOrUnsupportedSchemasThrow) {
  EXPECT_THROW(check(R"({"maxLength":3})", R"("a")"), std::invalid_argument);
  EXPECT_THROW(check(R"({"$ref":"#/$defs/missing"})", "1"), std::invalid_argument);
  EXPECT_THROW(check(R"({"$ref":"other.json#/a"})", "1"), std::invalid_argument);
  EXPECT_THROW(check(R"({"$ref":"#"})", "1"), std::invalid_argument);  // a loop
  EXPECT_THROW(check(R"({"type":"text"})", "1"), std::invalid_argument);
  EXPECT_THROW(check(R"({"pattern":"("})", R"("a")"), std::invalid_argument);
}

TEST(Schema, ValuesInMessagesAreShort) {
  const std::string long_text(200, 'x');
  const auto e = check(R"({"type":"integer"})", "\"" + long_text + "\"");
  ASSERT_TRUE(e);
  EXPECT_LT(e->message.size(), 100u);
  EXPECT_NE(e->message.find("...)"), std::string::npos);
}

}  // namespace
}  // namespace aria::model
