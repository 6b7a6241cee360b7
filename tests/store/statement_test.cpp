// Prepared statements and transactions.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "store/database.hpp"
#include "tests/store/test_support.hpp"

namespace aria::store {
namespace {

using testing::count_rows;

const std::vector<Migration> kValues = {
    {1, "CREATE TABLE vals (id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB, n INTEGER);\n"
        "CREATE TABLE uniq (k TEXT PRIMARY KEY);"}};

Database open_memory() {
  Database::Options options;
  options.migrations = kValues;
  return Database(":memory:", options);
}

TEST(Statement, BorrowedTextAndBlobAreStoredAsBound) {
  Database db = open_memory();
  auto insert = db.prepare("INSERT INTO vals (i, t, b) VALUES (?1, ?2, ?3)");
  std::string text = "first text", blob("\x00\x01first", 7);
  insert.bind(1, 1).bind_borrowed(2, text).bind_blob_borrowed(3, blob).run();
  text = "second", blob = std::string("\x02second", 7);  // the old bytes are gone after run()
  insert.bind(1, 2).bind_borrowed(2, text).bind_blob_borrowed(3, blob).run();
  insert.bind(1, 3).bind_borrowed(2, std::string_view()).bind_blob_borrowed(3, std::string_view()).run();
  auto q = db.prepare("SELECT t, b, typeof(t), typeof(b) FROM vals ORDER BY i");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.text(0), "first text");
  EXPECT_EQ(q.blob(1), std::string("\x00\x01first", 7));
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.text(0), "second");
  EXPECT_EQ(q.blob(1), std::string("\x02second", 7));
  ASSERT_TRUE(q.step());  // empty views are empty values, not NULL
  EXPECT_EQ(q.text(2), "text");
  EXPECT_EQ(q.text(3), "blob");
}

TEST(Statement, BindAndReadEveryTypeRoundTrip) {
  Database db = open_memory();
  const std::string text_with_nul("h\xC3\xA9llo\0world", 12);  // UTF-8 and an embedded NUL
  const std::string blob_bytes("\x00\x01\xFF\x7F binary\x00", 13);
  const std::vector<std::byte> raw_blob = {std::byte{0xDE}, std::byte{0xAD}, std::byte{0x00}, std::byte{0xEF}};

  auto insert = db.prepare("INSERT INTO vals (i, r, t, b, n) VALUES (?1, ?2, ?3, ?4, ?5)");
  insert.bind(1, std::int64_t{-9007199254740993})
      .bind(2, 2.5)
      .bind(3, std::string_view(text_with_nul))
      .bind_blob(4, std::string_view(blob_bytes))
      .bind_null(5)
      .run();
  const auto first = db.last_insert_id();
  insert.bind(1, 7).bind(2, -0.125).bind(3, std::string_view()).bind_blob(4, std::span<const std::byte>(raw_blob));
  insert.bind(5, std::optional<std::int64_t>{}).run();
  const auto second = db.last_insert_id();
  insert.bind(1, std::optional<std::int64_t>{11}).bind_blob(4, std::span<const std::byte>()).run();
  const auto third = db.last_insert_id();
  EXPECT_EQ(second, first + 1);
  EXPECT_EQ(third, second + 1);

  auto select = db.prepare("SELECT i, r, t, b, n FROM vals WHERE id = ?1");
  ASSERT_TRUE(select.bind(1, first).step());
  EXPECT_EQ(select.int64(0), -9007199254740993);
  EXPECT_DOUBLE_EQ(select.real(1), 2.5);
  EXPECT_EQ(select.text(2), text_with_nul);
  EXPECT_EQ(select.blob(3), blob_bytes);
  EXPECT_TRUE(select.is_null(4));
  EXPECT_FALSE(select.is_null(0));
  EXPECT_FALSE(select.step());
  select.reset();

  ASSERT_TRUE(select.bind(1, second).step());
  EXPECT_EQ(select.int64(0), 7);
  EXPECT_DOUBLE_EQ(select.real(1), -0.125);
  EXPECT_FALSE(select.is_null(2));  // the empty string is not NULL
  EXPECT_EQ(select.text(2), "");
  EXPECT_EQ(select.blob(3), std::string("\xDE\xAD\x00\xEF", 4));
  EXPECT_TRUE(select.is_null(4));
  select.reset();

  // reset() cleared the earlier bindings: unbound parameters are NULL.
  ASSERT_TRUE(select.bind(1, third).step());
  EXPECT_EQ(select.int64(0), 11);
  EXPECT_TRUE(select.is_null(1));
  EXPECT_TRUE(select.is_null(2));
  EXPECT_FALSE(select.is_null(3));  // an empty blob, not NULL
  EXPECT_EQ(select.blob(3), "");
}

TEST(Statement, InvalidSqlThrowsRuntimeFailureQuotingIt) {
  Database db = open_memory();
  try {
    db.prepare("SELEKT everything FROM nowhere");
    FAIL() << "no exception";
  } catch (const RuntimeFailure& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("syntax error"), std::string::npos) << message;
    EXPECT_NE(message.find("SELEKT everything"), std::string::npos) << message;
  }
  EXPECT_THROW(db.prepare("SELECT * FROM no_such_table"), RuntimeFailure);
  EXPECT_THROW(db.exec("CREATE TABLE vals (x)"), RuntimeFailure);  // already exists
  EXPECT_THROW(db.prepare("SELECT 1; SELECT 2"), RuntimeFailure);  // one statement only
  EXPECT_THROW(db.prepare("   "), RuntimeFailure);
}

TEST(Statement, LongSqlIsShortenedInErrors) {
  Database db = open_memory();
  std::string sql = "SELECT no_such_column FROM vals WHERE " + std::string(500, ' ') + "1 = 1 AND 'tail-marker' = ''";
  try {
    db.prepare(sql);
    FAIL() << "no exception";
  } catch (const RuntimeFailure& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("no_such_column"), std::string::npos) << message;
    EXPECT_EQ(message.find("tail-marker"), std::string::npos) << message;
    EXPECT_LT(message.size(), 200u) << message;
  }
}

TEST(Statement, AStepErrorThrowsAndTheStatementStaysUsable) {
  Database db = open_memory();
  auto insert = db.prepare("INSERT INTO uniq (k) VALUES (?1)");
  insert.bind(1, std::string_view("a")).run();
  insert.bind(1, std::string_view("a"));
  try {
    insert.step();
    FAIL() << "no exception";
  } catch (const RuntimeFailure& e) {
    EXPECT_NE(std::string(e.what()).find("UNIQUE"), std::string::npos) << e.what();
  }
  insert.reset();
  insert.bind(1, std::string_view("b")).run();
  EXPECT_EQ(count_rows(db, "uniq"), 2);
}

TEST(Statement, BindingAnIndexOutOfRangeThrows) {
  Database db = open_memory();
  auto st = db.prepare("SELECT ?1");
  EXPECT_THROW(st.bind(2, 1), RuntimeFailure);
}

TEST(Statement, MovingTransfersTheStatement) {
  Database db = open_memory();
  auto a = db.prepare("SELECT 40 + ?1");
  Statement b(std::move(a));
  b.bind(1, 2);
  ASSERT_TRUE(b.step());
  EXPECT_EQ(b.int64(0), 42);
  Statement c = db.prepare("SELECT 'other'");
  c = std::move(b);
  EXPECT_EQ(c.int64(0), 42);  // still on the same row
}

TEST(Transaction, RollsBackWhenDestroyedWithoutCommit) {
  Database db = open_memory();
  {
    Database::Transaction tx(db);
    db.prepare("INSERT INTO uniq (k) VALUES ('gone')").run();
    EXPECT_EQ(count_rows(db, "uniq"), 1);
  }
  EXPECT_EQ(count_rows(db, "uniq"), 0);
}

TEST(Transaction, RollsBackWhenAnExceptionLeavesTheScope) {
  Database db = open_memory();
  try {
    Database::Transaction tx(db);
    db.prepare("INSERT INTO uniq (k) VALUES ('x')").run();
    db.prepare("INSERT INTO uniq (k) VALUES ('x')").run();  // throws: duplicate
    tx.commit();
  } catch (const RuntimeFailure&) {
  }
  EXPECT_EQ(count_rows(db, "uniq"), 0);
  // The connection is out of the transaction: a new one can begin.
  Database::Transaction tx(db);
  tx.commit();
}

TEST(Transaction, CommitKeepsTheRows) {
  Database db = open_memory();
  {
    Database::Transaction tx(db);
    db.prepare("INSERT INTO uniq (k) VALUES ('kept')").run();
    tx.commit();
  }
  EXPECT_EQ(count_rows(db, "uniq"), 1);
}

TEST(Transaction, IsVisibleToAnotherConnectionOnlyAfterCommit) {
  testing::TempDir dir;
  const auto path = dir.file("tx.db");
  Database::Options options;
  options.migrations = kValues;
  Database writer(path, options);
  Database reader(path, options);
  Database::Transaction tx(writer);
  writer.prepare("INSERT INTO uniq (k) VALUES ('pending')").run();
  EXPECT_EQ(count_rows(reader, "uniq"), 0);
  tx.commit();
  EXPECT_EQ(count_rows(reader, "uniq"), 1);
}

}  // namespace
}  // namespace aria::store
