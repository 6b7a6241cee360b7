#include "core/parse.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"

using namespace std::chrono_literals;

namespace aria {
namespace {

TEST(ParseDuration, AcceptsUnitsAndBareSeconds) {
  EXPECT_EQ(parse_duration("150ms"), 150ms);
  EXPECT_EQ(parse_duration("2s"), 2s);
  EXPECT_EQ(parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(parse_duration("2m"), 120s);
  EXPECT_EQ(parse_duration("1h"), 3600s);
  EXPECT_EQ(parse_duration("250us"), 250us);
  EXPECT_EQ(parse_duration("120"), 120s);
}

TEST(ParseDuration, RejectsGarbageWithTheValueInTheMessage) {
  for (auto bad : {"", "fast", "10 parsecs", "-5s", "ms"}) {
    try {
      parse_duration(bad, "--run-time");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("--run-time"), std::string::npos) << e.what();
    }
  }
}

TEST(ParseSize, PowersOf1024) {
  EXPECT_EQ(parse_size("1MiB"), 1024u * 1024u);
  EXPECT_EQ(parse_size("64k"), 64u * 1024u);
  EXPECT_EQ(parse_size("512KiB"), 512u * 1024u);
  EXPECT_EQ(parse_size("100"), 100u);
  EXPECT_THROW(parse_size("1 lot"), UsageError);
}

TEST(ParseFraction, DecimalOrPercent) {
  EXPECT_DOUBLE_EQ(parse_fraction("0.05"), 0.05);
  EXPECT_DOUBLE_EQ(parse_fraction("5%"), 0.05);
  EXPECT_THROW(parse_fraction("1.5"), UsageError);
  EXPECT_THROW(parse_fraction("-1%"), UsageError);
}

TEST(ParseEndpoint, HostPortForms) {
  auto a = parse_endpoint("127.0.0.1:5000");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 5000);
  auto b = parse_endpoint(":8080");
  EXPECT_EQ(b.host, "127.0.0.1");
  EXPECT_EQ(b.port, 8080);
  auto c = parse_endpoint("[::1]:0");
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.port, 0);
  EXPECT_THROW(parse_endpoint("localhost"), UsageError);
  EXPECT_THROW(parse_endpoint("localhost:99999"), UsageError);
}

TEST(ParseRate, CountOverWindow) {
  auto r = parse_rate("50/5s");
  EXPECT_EQ(r.count, 50u);
  EXPECT_EQ(r.window, 5s);
  auto s = parse_rate("10/s");
  EXPECT_EQ(s.count, 10u);
  EXPECT_EQ(s.window, 1s);
  EXPECT_THROW(parse_rate("50"), UsageError);
  EXPECT_THROW(parse_rate("0/5s"), UsageError);
}

TEST(FormatDuration, ReadsBack) {
  EXPECT_EQ(format_duration(150ms), "150ms");
  EXPECT_EQ(format_duration(2500ms), "2.5s");
  EXPECT_EQ(format_duration(90s), "1m30s");
  EXPECT_EQ(parse_duration(format_duration(2500ms)), 2500ms);
}

}  // namespace
}  // namespace aria
