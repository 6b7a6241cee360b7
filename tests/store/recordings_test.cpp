// Exchanges in the store: bodies kept once per recording, and read back whole whichever way.
#include "store/recordings.hpp"

#include <gtest/gtest.h>

#include "store/database.hpp"
#include "tests/store/test_support.hpp"

namespace aria::store {
namespace {

using testing::TempDir;

std::int64_t count(const Database& db, const char* sql) {
  auto q = db.prepare(sql);
  q.step();
  return q.int64(0);
}

ExchangeRow row(std::int64_t recording, std::string visitor, std::int64_t at, std::string request_body,
                std::string response_body) {
  ExchangeRow r;
  r.recording_id = recording;
  r.visitor = std::move(visitor);
  r.started_us = at;
  r.method = "POST";
  r.path = "/api/agents";
  r.status = 200;
  r.request_body = std::move(request_body);
  r.response_body = std::move(response_body);
  return r;
}

TEST(Recordings, EqualBodiesAreStoredOnceAndReadBackWhole) {
  TempDir dir;
  Database db(dir.file("rec.db"));
  const auto rec = begin_recording(db, {});
  const std::string page(10'000, 'p'), other = std::string(9'999, 'p') + "q", small = R"({"ok":true})";
  std::vector<ExchangeRow> rows{row(rec, "a", 1, small, page), row(rec, "b", 2, page, page),
                                row(rec, "a", 3, "", other), row(rec, "b", 4, small, page)};
  BodyDeduplicator bodies;
  {
    Database::Transaction tx(db);
    insert_exchanges(db, rows, &bodies);
    tx.commit();
  }
  // The page once, the other body once; the small body stays in its rows.
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM bodies"), 2);
  EXPECT_EQ(bodies.reused(), 3u);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM exchanges WHERE request_body IS NOT NULL"), 2);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM exchanges WHERE response_body IS NULL AND response_body_ref IS NOT NULL"), 4);

  auto loaded = load_exchanges(db, rec);
  ASSERT_EQ(loaded.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(loaded[i].request_body, rows[i].request_body) << i;
    EXPECT_EQ(loaded[i].response_body, rows[i].response_body) << i;
  }
  std::vector<std::string> visitors;
  std::size_t seen = 0;
  for_each_visitor(db, rec, [&](std::span<const ExchangeRow> v) {
    visitors.push_back(v.front().visitor);
    for (const auto& r : v) {
      EXPECT_EQ(r.visitor, v.front().visitor);
      EXPECT_EQ(r.response_body, rows[static_cast<std::size_t>(r.started_us - 1)].response_body);
      ++seen;
    }
  });
  EXPECT_EQ(visitors, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(seen, rows.size());

  // Another recording does not point at this one's bodies, and deleting one takes its bodies along.
  const auto rec2 = begin_recording(db, {});
  insert_exchanges(db, std::vector<ExchangeRow>{row(rec2, "c", 5, "", page)}, &bodies);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM bodies"), 3);
  delete_recording(db, rec);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM bodies"), 1);
  EXPECT_EQ(load_exchanges(db, rec2).at(0).response_body, page);
}

TEST(Recordings, AFullMemoryStartsOverButNeverMixesBodiesUp) {
  TempDir dir;
  Database db(dir.file("rec.db"));
  const auto rec = begin_recording(db, {});
  BodyDeduplicator bodies(2'000);  // room for about two bodies
  std::vector<ExchangeRow> rows;
  for (int i = 0; i < 20; ++i) rows.push_back(row(rec, "v", i, "", std::string(900, static_cast<char>('a' + (i / 2) % 4))));
  insert_exchanges(db, rows, &bodies);
  const auto loaded = load_exchanges(db, rec);
  ASSERT_EQ(loaded.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(loaded[i].response_body, rows[i].response_body) << i;
  EXPECT_LT(count(db, "SELECT COUNT(*) FROM bodies"), 20);
}

}  // namespace
}  // namespace aria::store
