#include "replayer/stats.hpp"

#include <gtest/gtest.h>

namespace aria::replayer {
namespace {

const EndpointKey kChat{"/api/chat", "POST"};
const EndpointKey kChatGet{"/api/chat", "GET"};
const EndpointKey kStatus{"/api/status", "GET"};
const EndpointKey kAgents{"/api/agents", "GET"};

void expect_same(const EndpointStats& a, const EndpointStats& b) {
  EXPECT_EQ(a.requests, b.requests);
  EXPECT_EQ(a.failures, b.failures);
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_EQ(a.actual, b.actual);
  EXPECT_EQ(a.intended, b.intended);
}

TEST(Stats, FailureKindNames) {
  EXPECT_EQ(to_string(FailureKind::status), "status");
  EXPECT_EQ(to_string(FailureKind::check), "check");
  EXPECT_EQ(to_string(FailureKind::connect), "connect");
  EXPECT_EQ(to_string(FailureKind::timeout), "timeout");
  EXPECT_EQ(to_string(FailureKind::reset), "reset");
  EXPECT_EQ(to_string(FailureKind::other), "other");
}

TEST(Stats, RecordsPerEndpointAndPerSecond) {
  Stats s;
  s.record(kChat, 1'000, 1'500, 100, false, 0);
  s.record(kChat, 3'000, 9'000, 50, true, 2);
  s.record(kStatus, 200, 200, 10, false, -3);  // before the start: second 0
  s.record_failure(kChat, FailureKind::status, "Status 500");

  ASSERT_EQ(s.endpoints().size(), 2u);
  const auto& chat = s.endpoints().at(kChat);
  EXPECT_EQ(chat.requests, 2u);
  EXPECT_EQ(chat.failures, 1u);
  EXPECT_EQ(chat.bytes, 150u);
  EXPECT_EQ(chat.actual.max(), 3'000);
  EXPECT_EQ(chat.intended.max(), 9'000);
  EXPECT_EQ(chat.intended.min(), 1'500);

  ASSERT_EQ(s.seconds().size(), 3u);
  EXPECT_EQ(s.seconds()[0].requests, 2u);
  EXPECT_EQ(s.seconds()[0].bytes, 110u);
  EXPECT_EQ(s.seconds()[0].latency.count(), 2u);
  EXPECT_EQ(s.seconds()[1].requests, 0u);
  EXPECT_EQ(s.seconds()[2].requests, 1u);
  EXPECT_EQ(s.seconds()[2].failures, 1u);
  EXPECT_EQ(s.seconds()[2].latency.min(), 3'000);

  ASSERT_EQ(s.failures().size(), 1u);
  const auto& [key, n] = *s.failures().begin();
  EXPECT_EQ(key.name, "/api/chat");
  EXPECT_EQ(key.method, "POST");
  EXPECT_EQ(key.kind, FailureKind::status);
  EXPECT_EQ(key.message, "Status 500");
  EXPECT_EQ(n, 1u);
}

TEST(Stats, MergeEqualsOneThreadRecordingEverything) {
  Stats a, b, all;
  auto both = [&](Stats& one, const EndpointKey& k, std::int64_t us, bool failed, std::int64_t second) {
    one.record(k, us, us + 7, 10, failed, second);
    all.record(k, us, us + 7, 10, failed, second);
    if (failed) {
      one.record_failure(k, FailureKind::timeout, "Timed out");
      all.record_failure(k, FailureKind::timeout, "Timed out");
    }
  };
  both(a, kChat, 1'000, false, 0);
  both(a, kChat, 2'000, true, 1);
  both(b, kChat, 5'000, true, 4);
  both(b, kStatus, 100, false, 2);
  both(b, kAgents, 300, false, 0);
  a.merge(b);

  ASSERT_EQ(a.endpoints().size(), all.endpoints().size());
  for (const auto& [k, e] : all.endpoints()) expect_same(a.endpoints().at(k), e);
  EXPECT_EQ(a.failures(), all.failures());
  EXPECT_EQ(a.failures().at(FailureKey{"/api/chat", "POST", FailureKind::timeout, "Timed out"}), 2u);
  ASSERT_EQ(a.seconds().size(), 5u);
  ASSERT_EQ(all.seconds().size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(a.seconds()[i].requests, all.seconds()[i].requests) << i;
    EXPECT_EQ(a.seconds()[i].failures, all.seconds()[i].failures) << i;
    EXPECT_EQ(a.seconds()[i].bytes, all.seconds()[i].bytes) << i;
    EXPECT_EQ(a.seconds()[i].latency, all.seconds()[i].latency) << i;
  }

  Stats empty;
  empty.merge(a);
  for (const auto& [k, e] : all.endpoints()) expect_same(empty.endpoints().at(k), e);
  EXPECT_EQ(empty.seconds().size(), 5u);
}

TEST(Stats, SummarySortsRowsAndAddsTheAggregate) {
  Stats s;
  s.record(kStatus, 100, 100, 1, false, 0);
  s.record(kChat, 2'000, 2'000, 2, true, 0);
  s.record(kChatGet, 3'000, 3'000, 3, false, 0);
  s.record(kAgents, 400, 400, 4, false, 0);
  const auto summary = summarize(s, 4.0);

  ASSERT_EQ(summary.rows.size(), 5u);
  EXPECT_EQ(summary.rows[0].key, kAgents);
  EXPECT_EQ(summary.rows[1].key, kChatGet);
  EXPECT_EQ(summary.rows[2].key, kChat);
  EXPECT_EQ(summary.rows[3].key, kStatus);
  const auto& total = summary.total();
  EXPECT_EQ(&total, &summary.rows.back());
  EXPECT_EQ(total.key.name, "Aggregated");
  EXPECT_EQ(total.key.method, "");
  EXPECT_EQ(total.stats.requests, 4u);
  EXPECT_EQ(total.stats.failures, 1u);
  EXPECT_EQ(total.stats.bytes, 10u);
  EXPECT_EQ(total.stats.actual.count(), 4u);
  EXPECT_EQ(total.stats.actual.min(), 100);
  EXPECT_EQ(total.stats.actual.max(), 3'000);
  EXPECT_DOUBLE_EQ(total.rps, 1.0);
  EXPECT_DOUBLE_EQ(total.failures_per_s, 0.25);
  EXPECT_DOUBLE_EQ(total.fail_rate(), 0.25);
  EXPECT_DOUBLE_EQ(summary.rows[2].rps, 0.25);
  EXPECT_DOUBLE_EQ(summary.rows[2].fail_rate(), 1.0);
  EXPECT_DOUBLE_EQ(summary.duration_s, 4.0);

  ASSERT_NE(summary.find("/api/chat"), nullptr);
  EXPECT_EQ(summary.find("/api/chat")->key, kChatGet);  // any method: the first
  EXPECT_EQ(summary.find("/api/chat", "POST")->key, kChat);
  EXPECT_EQ(summary.find("/api/chat", "DELETE"), nullptr);
  EXPECT_EQ(summary.find("/nowhere"), nullptr);
  EXPECT_EQ(summary.find("Aggregated"), &total);
}

TEST(Stats, SummaryOfNothing) {
  const auto zero = summarize(Stats{}, 0.0);
  ASSERT_EQ(zero.rows.size(), 1u);
  EXPECT_EQ(zero.total().key.name, "Aggregated");
  EXPECT_EQ(zero.total().stats.requests, 0u);
  EXPECT_EQ(zero.total().rps, 0.0);
  EXPECT_EQ(zero.total().fail_rate(), 0.0);

  Stats s;
  s.record(kChat, 1, 1, 0, true, 0);
  const auto instant = summarize(s, 0.0);
  EXPECT_EQ(instant.total().rps, 0.0);
  EXPECT_EQ(instant.total().failures_per_s, 0.0);
}

}  // namespace
}  // namespace aria::replayer
