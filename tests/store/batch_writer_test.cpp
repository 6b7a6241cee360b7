// BatchWriter: many producers, one writer thread, batched transactions.
#include "store/batch_writer.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/store/test_support.hpp"

using namespace std::chrono_literals;

namespace aria::store {
namespace {

using testing::count_rows;
using testing::TempDir;

// Rows shaped like a small exchange.
struct Event {
  int producer = 0;
  int seq = 0;
  std::string path;
};

const std::vector<Migration> kEvents = {
    {1, "CREATE TABLE events (id INTEGER PRIMARY KEY, producer INTEGER NOT NULL, seq INTEGER NOT NULL,"
        " path TEXT NOT NULL, UNIQUE (producer, seq));"}};

Database::Options events_schema() {
  Database::Options options;
  options.migrations = kEvents;
  return options;
}

void insert_events(Database& db, std::span<Event> rows) {
  auto insert = db.prepare("INSERT INTO events (producer, seq, path) VALUES (?1, ?2, ?3)");
  for (const auto& row : rows) insert.bind(1, row.producer).bind(2, row.seq).bind(3, std::string_view(row.path)).run();
}

// Polls `done` until it holds or `limit` passes; returns whether it held.
template <class F>
bool eventually(F&& done, std::chrono::milliseconds limit = 5000ms) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// A door the sink waits at until the test opens it; opening twice is fine.
class Gate {
 public:
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Opens the gate when a test leaves early, so the writer thread can be joined.
struct OpenOnExit {
  Gate& gate;
  ~OpenOnExit() { gate.open(); }
};

class BatchWriterTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string path_ = dir_.file("events.db");
  Database db_{path_, events_schema()};
  Database reader_{path_, events_schema()};  // a second connection, as another process would
};

TEST_F(BatchWriterTest, EightProducersWriteEveryRow) {
  constexpr int kProducers = 8;
  constexpr int kRowsEach = 20000;
  std::atomic<std::uint64_t> accepted{0};
  BatchWriter<Event> writer(db_, insert_events, {.capacity = 1 << 20});
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kRowsEach; ++i) {
        if (writer.push(Event{p, i, "/items/" + std::to_string(i)})) accepted.fetch_add(1);
      }
    });
  }
  for (auto& t : producers) t.join();
  writer.close();

  constexpr std::uint64_t kTotal = std::uint64_t{kProducers} * kRowsEach;
  EXPECT_EQ(accepted.load(), kTotal);
  EXPECT_EQ(writer.written(), kTotal);
  EXPECT_EQ(writer.dropped(), 0u);
  EXPECT_EQ(writer.failed(), 0u);
  EXPECT_EQ(writer.last_error(), "");
  EXPECT_GE(writer.batches(), kTotal / (1 << 20));
  EXPECT_LT(writer.batches(), kTotal);  // rows were batched, not one transaction each
  EXPECT_EQ(count_rows(reader_, "events"), static_cast<std::int64_t>(kTotal));
  auto per_producer = reader_.prepare("SELECT count(*), min(seq), max(seq) FROM events GROUP BY producer");
  int groups = 0;
  while (per_producer.step()) {
    ++groups;
    EXPECT_EQ(per_producer.int64(0), kRowsEach);
    EXPECT_EQ(per_producer.int64(1), 0);
    EXPECT_EQ(per_producer.int64(2), kRowsEach - 1);
  }
  EXPECT_EQ(groups, kProducers);
}

TEST_F(BatchWriterTest, CloseWritesRowsQueuedJustBeforeIt) {
  // Neither a full batch nor the delay can trigger a commit here: only close() does.
  BatchWriter<Event> writer(db_, insert_events, {.batch_rows = 1000000, .max_delay = std::chrono::minutes(10)});
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(writer.push(Event{0, i, "/"}));
  writer.close();
  EXPECT_EQ(count_rows(reader_, "events"), 10);
  EXPECT_EQ(writer.written(), 10u);
  EXPECT_EQ(writer.batches(), 1u);
}

TEST_F(BatchWriterTest, FlushReturnsOnceEarlierRowsAreCommitted) {
  BatchWriter<Event> writer(db_, insert_events, {.batch_rows = 1000000, .max_delay = std::chrono::minutes(10)});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(writer.push(Event{0, i, "/"}));
  writer.flush();
  EXPECT_EQ(count_rows(reader_, "events"), 5);
  EXPECT_EQ(writer.written(), 5u);
  writer.flush();  // nothing queued: returns at once
  ASSERT_TRUE(writer.push(Event{0, 5, "/"}));
  writer.flush();
  EXPECT_EQ(count_rows(reader_, "events"), 6);
  EXPECT_EQ(writer.batches(), 2u);
}

TEST_F(BatchWriterTest, MaxDelayCommitsALoneRow) {
  BatchWriter<Event> writer(db_, insert_events, {.batch_rows = 1000000, .max_delay = 100ms});
  ASSERT_TRUE(writer.push(Event{0, 0, "/alone"}));
  // Generous bound: the commit is due 100 ms after the push.
  EXPECT_TRUE(eventually([&] { return count_rows(reader_, "events") == 1; }, 2000ms));
  EXPECT_EQ(writer.written(), 1u);
  EXPECT_EQ(writer.batches(), 1u);
}

TEST_F(BatchWriterTest, AFullBatchCommitsWithoutWaitingForTheDelay) {
  BatchWriter<Event> writer(db_, insert_events, {.batch_rows = 100, .max_delay = std::chrono::minutes(10)});
  for (int i = 0; i < 99; ++i) ASSERT_TRUE(writer.push(Event{0, i, "/"}));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(writer.written(), 0u);  // 99 rows: not a batch yet, and the delay is far away
  ASSERT_TRUE(writer.push(Event{0, 99, "/"}));
  EXPECT_TRUE(eventually([&] { return writer.written() == 100; }));
  EXPECT_EQ(count_rows(reader_, "events"), 100);
  EXPECT_EQ(writer.batches(), 1u);
}

TEST_F(BatchWriterTest, OverflowDropsRowsAndPushNeverWaits) {
  Gate gate;
  std::atomic<bool> sink_entered{false};
  BatchWriter<Event> writer(
      db_,
      [&](Database& db, std::span<Event> rows) {
        sink_entered = true;
        gate.wait();
        insert_events(db, rows);
      },
      {.capacity = 10, .batch_rows = 1, .max_delay = 1ms});
  OpenOnExit open_on_exit{gate};

  ASSERT_TRUE(writer.push(Event{0, 0, "/"}));
  ASSERT_TRUE(eventually([&] { return sink_entered.load(); }));
  // The writer is stuck in the sink; the remaining 99 pushes must all return anyway.
  auto pushes = std::async(std::launch::async, [&] {
    int accepted = 1;
    for (int i = 1; i < 100; ++i) accepted += writer.push(Event{0, i, "/"}) ? 1 : 0;
    return accepted;
  });
  const bool returned = pushes.wait_for(10s) == std::future_status::ready;
  gate.open();
  ASSERT_TRUE(returned) << "push() waited for the blocked writer";
  const int accepted = pushes.get();

  EXPECT_EQ(accepted, 10);  // the row in the sink plus 9 waiting fill the capacity
  EXPECT_EQ(writer.dropped(), 90u);
  writer.close();
  EXPECT_EQ(writer.written() + writer.dropped(), 100u);
  EXPECT_EQ(writer.written(), 10u);
  EXPECT_EQ(count_rows(reader_, "events"), 10);
}

TEST_F(BatchWriterTest, AFailingBatchIsCountedAndLaterBatchesStillCommit) {
  BatchWriter<Event> writer(
      db_,
      [](Database& db, std::span<Event> rows) {
        insert_events(db, rows);  // inserted, then rolled back by the throw
        for (const auto& row : rows) {
          if (row.path == "/poison") throw std::runtime_error("poison row " + std::to_string(row.seq));
        }
      },
      {.batch_rows = 1000000, .max_delay = std::chrono::minutes(10)});
  // flush() after each push makes each row its own batch.
  ASSERT_TRUE(writer.push(Event{0, 0, "/ok"}));
  writer.flush();
  ASSERT_TRUE(writer.push(Event{0, 1, "/poison"}));
  writer.flush();
  EXPECT_EQ(writer.failed(), 1u);
  EXPECT_EQ(writer.last_error(), "poison row 1");
  ASSERT_TRUE(writer.push(Event{0, 2, "/ok"}));
  ASSERT_TRUE(writer.push(Event{0, 3, "/ok"}));
  writer.close();

  EXPECT_EQ(writer.written(), 3u);
  EXPECT_EQ(writer.failed(), 1u);
  EXPECT_EQ(writer.batches(), 2u);
  EXPECT_EQ(count_rows(reader_, "events"), 3);
  auto poison = reader_.prepare("SELECT count(*) FROM events WHERE path = '/poison'");
  ASSERT_TRUE(poison.step());
  EXPECT_EQ(poison.int64(0), 0);
}

TEST_F(BatchWriterTest, ACommitFailureIsCountedLikeASinkFailure) {
  // The sink breaks a constraint through SQLite rather than by throwing itself.
  BatchWriter<Event> writer(db_, insert_events, {.batch_rows = 1000000, .max_delay = std::chrono::minutes(10)});
  ASSERT_TRUE(writer.push(Event{0, 0, "/a"}));
  ASSERT_TRUE(writer.push(Event{0, 0, "/duplicate"}));  // same (producer, seq)
  writer.flush();
  EXPECT_EQ(writer.failed(), 2u);
  EXPECT_NE(writer.last_error().find("UNIQUE"), std::string::npos) << writer.last_error();
  ASSERT_TRUE(writer.push(Event{0, 1, "/b"}));
  writer.close();
  EXPECT_EQ(writer.written(), 1u);
  EXPECT_EQ(count_rows(reader_, "events"), 1);
}

TEST_F(BatchWriterTest, PushAfterCloseIsDroppedAndCloseIsIdempotent) {
  BatchWriter<Event> writer(db_, insert_events);
  ASSERT_TRUE(writer.push(Event{0, 0, "/"}));
  writer.close();
  EXPECT_FALSE(writer.push(Event{0, 1, "/late"}));
  EXPECT_EQ(writer.dropped(), 1u);
  writer.close();
  writer.flush();  // nothing pending: returns
  EXPECT_EQ(writer.written(), 1u);
  EXPECT_EQ(count_rows(reader_, "events"), 1);
}

TEST_F(BatchWriterTest, DestructorWritesWhatIsQueued) {
  {
    BatchWriter<Event> writer(db_, insert_events, {.batch_rows = 1000000, .max_delay = std::chrono::minutes(10)});
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(writer.push(Event{0, i, "/"}));
  }
  EXPECT_EQ(count_rows(reader_, "events"), 3);
}

}  // namespace
}  // namespace aria::store
