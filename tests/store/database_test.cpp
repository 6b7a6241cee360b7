// Opening, migrating and refusing store files.
#include "store/database.hpp"

#include <sqlite3.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "tests/store/test_support.hpp"

namespace aria::store {
namespace {

using testing::count_rows;
using testing::exists;
using testing::RawConnection;
using testing::read_bytes;
using testing::schema_names;
using testing::TempDir;
using testing::write_bytes;

const std::set<std::string> kStoreTables = {"recordings", "exchanges", "ws_messages",  "models", "runs",
                                            "run_stats",  "run_series", "run_failures", "bodies"};
const std::set<std::string> kStoreIndexes = {"exchanges_by_visitor", "ws_messages_by_exchange", "runs_by_label",
                                             "bodies_by_recording"};

// A small schema history for the migration tests.
constexpr Migration kItemsV1{1, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
                                "CREATE TABLE migration_log (version INTEGER NOT NULL);\n"
                                "INSERT INTO migration_log VALUES (1);"};
constexpr Migration kItemsV2{2, "ALTER TABLE items ADD COLUMN size INTEGER NOT NULL DEFAULT 42;\n"
                                "CREATE TABLE tags (item_id INTEGER NOT NULL REFERENCES items(id), tag TEXT NOT NULL);\n"
                                "INSERT INTO migration_log VALUES (2);"};
constexpr Migration kBrokenV2{2, "CREATE TABLE half_done (x INTEGER);\n"
                                 "INSERT INTO no_such_table VALUES (1);"};
constexpr Migration kBrokenV3{3, "CREATE TABLE also_half_done (x INTEGER);\n"
                                 "this is not SQL;"};
const std::vector<Migration> kOnlyV1 = {kItemsV1};
const std::vector<Migration> kV1V2 = {kItemsV1, kItemsV2};

Database::Options with(const std::vector<Migration>& migrations) {
  Database::Options options;
  options.migrations = migrations;
  return options;
}

std::string pragma_text(const Database& db, const char* sql) {
  auto st = db.prepare(sql);
  EXPECT_TRUE(st.step());
  return st.text(0);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Expects `open` to throw E; returns its message ("" when it did not throw).
template <class E, class F>
std::string expect_throw(F&& open) {
  try {
    open();
    ADD_FAILURE() << "no exception was thrown";
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
  return "";
}

// --- builtin migrations ----------------------------------------------------------------------

TEST(BuiltinMigrations, AreNumberedFromOneAndVersionOneIsStoreSql) {
  auto migrations = builtin_migrations();
  ASSERT_FALSE(migrations.empty());
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i + 1));
    EXPECT_FALSE(migrations[i].sql.empty());
  }
  EXPECT_EQ(std::string(migrations[0].sql), read_bytes(std::string(ARIA_SOURCE_DIR) + "/schemas/store.sql"));
}

// --- creating ----------------------------------------------------------------------------------

TEST(OpenStore, NewFileIsCreatedAtNewestVersionWithEveryTableInWalMode) {
  TempDir dir;
  const auto path = dir.file("new.db");
  ASSERT_FALSE(exists(path));
  {
    Database db(path);
    EXPECT_EQ(db.path(), path);
    EXPECT_EQ(db.user_version(), builtin_migrations().back().version);
    EXPECT_EQ(schema_names(db, "table"), kStoreTables);
    EXPECT_EQ(schema_names(db, "index"), kStoreIndexes);
    EXPECT_EQ(pragma_text(db, "PRAGMA journal_mode"), "wal");
    EXPECT_EQ(pragma_text(db, "PRAGMA foreign_keys"), "1");
    EXPECT_EQ(pragma_text(db, "PRAGMA synchronous"), "1");  // NORMAL
    EXPECT_EQ(pragma_text(db, "PRAGMA page_size"), "16384");  // fewer, larger WAL writes
  }
  EXPECT_TRUE(exists(path));
  EXPECT_FALSE(exists(path + "-wal"));  // the last close checkpoints and removes it
  Database again(path);
  EXPECT_EQ(schema_names(again, "table"), kStoreTables);
}

TEST(OpenStore, EveryCreateTableOfStoreSqlIsPresent) {
  // Independent of the list above: whatever store.sql creates must exist.
  // (A plain scan: std::regex trips a false -Wmaybe-uninitialized in g++ 12 at -O2.)
  const std::string_view sql = builtin_migrations()[0].sql;
  const std::string_view keyword = "CREATE TABLE ";
  std::set<std::string> declared;
  for (auto at = sql.find(keyword); at != std::string_view::npos; at = sql.find(keyword, at + 1)) {
    auto name = sql.substr(at + keyword.size());
    declared.emplace(name.substr(0, name.find_first_of(" (\n")));
  }
  ASSERT_GE(declared.size(), 8u);
  Database db(":memory:");
  auto tables = schema_names(db, "table");
  for (const auto& name : declared) EXPECT_TRUE(tables.count(name)) << name;
}

TEST(OpenStore, MemoryDatabaseIsMigratedAndEnforcesForeignKeys) {
  Database db(":memory:");
  EXPECT_EQ(db.user_version(), builtin_migrations().back().version);
  EXPECT_EQ(schema_names(db, "table"), kStoreTables);
  EXPECT_EQ(pragma_text(db, "PRAGMA journal_mode"), "memory");
  // An exchange of a recording that does not exist violates the foreign key.
  auto insert = db.prepare(
      "INSERT INTO exchanges (recording_id, visitor, connection_id, seq, started_us, method, path) "
      "VALUES (999, 'v', 1, 1, 0, 'GET', '/')");
  EXPECT_THROW(insert.step(), RuntimeFailure);
}

TEST(OpenStore, EmptyFileBecomesAStore) {
  TempDir dir;
  const auto path = dir.file("empty.db");
  write_bytes(path, "");
  Database db(path);
  EXPECT_EQ(db.user_version(), builtin_migrations().back().version);
  EXPECT_EQ(schema_names(db, "table"), kStoreTables);
}

TEST(OpenStore, MissingDirectoryIsRuntimeFailureNamingThePath) {
  TempDir dir;
  const auto path = dir.file("no-such-dir/store.db");
  auto message = expect_throw<RuntimeFailure>([&] { Database db(path); });
  EXPECT_TRUE(contains(message, path)) << message;
  EXPECT_TRUE(contains(message, "unable to open")) << message;
  EXPECT_FALSE(exists(dir.file("no-such-dir")));
}

TEST(OpenStore, CreateFalseOnMissingFileIsUsageErrorAndCreatesNothing) {
  TempDir dir;
  const auto path = dir.file("absent.db");
  Database::Options options;
  options.create = false;
  auto message = expect_throw<UsageError>([&] { Database db(path, options); });
  EXPECT_TRUE(contains(message, "no store at " + path)) << message;
  EXPECT_FALSE(exists(path));
}

TEST(OpenStore, CreateFalseOpensAnExistingStore) {
  TempDir dir;
  const auto path = dir.file("store.db");
  { Database db(path); }
  Database::Options options;
  options.create = false;
  Database db(path, options);
  EXPECT_EQ(db.user_version(), builtin_migrations().back().version);
}

// --- migrating ---------------------------------------------------------------------------------

TEST(Migrations, OpeningAVersionOneFileWithVersionTwoMigratesItAndKeepsItsRows) {
  TempDir dir;
  const auto path = dir.file("items.db");
  {
    Database db(path, with(kOnlyV1));
    EXPECT_EQ(db.user_version(), 1);
    auto insert = db.prepare("INSERT INTO items (name) VALUES (?1)");
    for (const char* name : {"alpha", "beta", "gamma"}) insert.bind(1, std::string_view(name)).run();
  }
  Database db(path, with(kV1V2));
  EXPECT_EQ(db.user_version(), 2);
  auto rows = db.prepare("SELECT name, size FROM items ORDER BY id");
  std::vector<std::string> names;
  while (rows.step()) {
    names.push_back(rows.text(0));
    EXPECT_EQ(rows.int64(1), 42);  // the default of the column version 2 added
  }
  EXPECT_EQ(names, (std::vector<std::string>{"alpha", "beta", "gamma"}));
  EXPECT_TRUE(schema_names(db, "table").count("tags"));
  EXPECT_EQ(count_rows(db, "migration_log"), 2);
}

TEST(Migrations, ReopeningAtTheNewestVersionRunsNothing) {
  TempDir dir;
  const auto path = dir.file("items.db");
  { Database db(path, with(kV1V2)); }
  { Database db(path, with(kV1V2)); }
  Database db(path, with(kV1V2));
  EXPECT_EQ(db.user_version(), 2);
  EXPECT_EQ(count_rows(db, "migration_log"), 2);  // each migration ran once
}

TEST(Migrations, AFailingMigrationRollsBackAndLeavesThePreviousVersion) {
  TempDir dir;
  const auto path = dir.file("items.db");
  { Database db(path, with(kOnlyV1)); }
  const std::vector<Migration> broken = {kItemsV1, kBrokenV2};
  auto message = expect_throw<RuntimeFailure>([&] { Database db(path, with(broken)); });
  EXPECT_TRUE(contains(message, "version 2")) << message;
  EXPECT_TRUE(contains(message, "no_such_table")) << message;

  Database db(path, with(kOnlyV1));
  EXPECT_EQ(db.user_version(), 1);
  EXPECT_FALSE(schema_names(db, "table").count("half_done"));  // its first statement was undone
}

TEST(Migrations, EachMigrationCommitsOnItsOwn) {
  TempDir dir;
  const auto path = dir.file("items.db");
  { Database db(path, with(kOnlyV1)); }
  const std::vector<Migration> v3_broken = {kItemsV1, kItemsV2, kBrokenV3};
  auto message = expect_throw<RuntimeFailure>([&] { Database db(path, with(v3_broken)); });
  EXPECT_TRUE(contains(message, "version 3")) << message;

  Database db(path, with(kV1V2));
  EXPECT_EQ(db.user_version(), 2);  // version 2 stayed, version 3 was rolled back
  EXPECT_FALSE(schema_names(db, "table").count("also_half_done"));
}

TEST(Migrations, AMisnumberedListIsRejected) {
  const std::vector<Migration> gap = {kItemsV1, Migration{3, "CREATE TABLE t (x);"}};
  EXPECT_THROW(Database(":memory:", with(gap)), std::invalid_argument);
}

// --- refusing ----------------------------------------------------------------------------------

// Expects opening `path` to throw UsageError, the file to keep its bytes and no SQLite side
// file to appear; returns the message.
std::string expect_refused(const std::string& path, Database::Options options = {}) {
  const auto before = read_bytes(path);
  auto message = expect_throw<UsageError>([&] { Database db(path, options); });
  EXPECT_EQ(read_bytes(path), before) << "the refused file was modified";
  EXPECT_FALSE(exists(path + "-wal"));
  EXPECT_FALSE(exists(path + "-shm"));
  EXPECT_FALSE(exists(path + "-journal"));
  return message;
}

TEST(Refuse, AFileOfANewerVersionIsLeftByteIdentical) {
  TempDir dir;
  const auto path = dir.file("future.db");
  {
    RawConnection raw(path);
    raw.exec("CREATE TABLE from_the_future (x); INSERT INTO from_the_future VALUES (1); PRAGMA user_version = 7;");
  }
  auto message = expect_refused(path);
  EXPECT_TRUE(contains(message, "version 7")) << message;
  EXPECT_TRUE(contains(message, "version " + std::to_string(builtin_migrations().back().version))) << message;
  EXPECT_TRUE(contains(message, "Upgrade aria-harness")) << message;
}

TEST(Refuse, ANewerWalModeStoreIsLeftByteIdentical) {
  TempDir dir;
  const auto path = dir.file("future.db");
  { Database db(path); }
  {
    RawConnection raw(path);
    raw.exec("PRAGMA user_version = 99;");
  }
  auto message = expect_refused(path);
  EXPECT_TRUE(contains(message, "version 99")) << message;
  // Also with the version only a custom, shorter migration list knows.
  message = expect_refused(path, with(kOnlyV1));
  EXPECT_TRUE(contains(message, "version 99")) << message;
}

TEST(Refuse, ANewerVersionStillInTheWalOfAnotherConnectionIsSeen) {
  // The main file's header still says version 1; only SQLite (reading the -wal) knows 99.
  TempDir dir;
  const auto path = dir.file("busy.db");
  { Database db(path, with(kOnlyV1)); }
  RawConnection other(path);
  other.exec("PRAGMA user_version = 99;");
  const auto before = read_bytes(path);
  auto message = expect_throw<UsageError>([&] { Database db(path, with(kOnlyV1)); });
  EXPECT_TRUE(contains(message, "version 99")) << message;
  EXPECT_EQ(read_bytes(path), before);
}

TEST(Refuse, ANewerVersionInALeftoverWalIsNotCheckpointedIntoTheFile) {
  // A copy of a file and its -wal, as after a crash: closing our refused connection would
  // normally checkpoint the -wal into the file.
  TempDir dir;
  const auto live = dir.file("live.db");
  { Database db(live, with(kOnlyV1)); }
  RawConnection other(live);
  sqlite3_db_config(other.handle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  other.exec("PRAGMA user_version = 99;");
  const auto path = dir.file("crashed.db");
  write_bytes(path, read_bytes(live));
  write_bytes(path + "-wal", read_bytes(live + "-wal"));
  const auto before = read_bytes(path);
  const auto wal_before = read_bytes(path + "-wal");

  auto message = expect_throw<UsageError>([&] { Database db(path, with(kOnlyV1)); });
  EXPECT_TRUE(contains(message, "version 99")) << message;
  EXPECT_EQ(read_bytes(path), before);
  ASSERT_TRUE(exists(path + "-wal"));
  EXPECT_EQ(read_bytes(path + "-wal"), wal_before);
}

TEST(Refuse, RandomBytesAreNotAStore) {
  TempDir dir;
  const auto path = dir.file("random.db");
  std::mt19937 random(12345);
  std::string bytes(8192, '\0');
  for (auto& b : bytes) b = static_cast<char>(random());
  write_bytes(path, bytes);
  auto message = expect_refused(path);
  EXPECT_TRUE(contains(message, path + " is not an aria-harness store")) << message;
  EXPECT_TRUE(contains(message, "not an SQLite file")) << message;
}

TEST(Refuse, TextFilesAreNotAStore) {
  TempDir dir;
  const auto short_text = dir.file("notes.txt");
  write_bytes(short_text, "hello, this is a text file\n");
  EXPECT_TRUE(contains(expect_refused(short_text), "not an SQLite file"));

  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "line " + std::to_string(i) + " of some CSV, 1, 2, 3\n";
  const auto csv = dir.file("data.csv");
  write_bytes(csv, long_text);
  EXPECT_TRUE(contains(expect_refused(csv), "not an SQLite file"));
}

TEST(Refuse, ADamagedSqliteFileIsNotAStore) {
  // The right magic, then garbage: only SQLite can tell.
  TempDir dir;
  const auto path = dir.file("damaged.db");
  std::string bytes("SQLite format 3", 16);
  std::mt19937 random(7);
  for (int i = 0; i < 4096; ++i) bytes += static_cast<char>(random());
  bytes[60] = bytes[61] = bytes[62] = bytes[63] = 0;  // user_version 0: not refused as newer
  write_bytes(path, bytes);
  auto message = expect_refused(path);
  EXPECT_TRUE(contains(message, "not an aria-harness store")) << message;
}

TEST(Refuse, NothingIsCreatedForARefusedReadOnlyOpen) {
  TempDir dir;
  const auto path = dir.file("absent.db");
  Database::Options options;
  options.read_only = true;
  auto message = expect_throw<UsageError>([&] { Database db(path, options); });
  EXPECT_TRUE(contains(message, "no store at")) << message;
  EXPECT_FALSE(exists(path));
}

// --- read-only ---------------------------------------------------------------------------------

TEST(ReadOnly, ReadsACurrentStoreAndCannotWrite) {
  TempDir dir;
  const auto path = dir.file("items.db");
  {
    Database db(path, with(kV1V2));
    db.prepare("INSERT INTO items (name) VALUES ('kept')").run();
  }
  auto options = with(kV1V2);
  options.read_only = true;
  Database db(path, options);
  EXPECT_EQ(count_rows(db, "items"), 1);
  auto insert = db.prepare("INSERT INTO items (name) VALUES ('no')");
  EXPECT_THROW(insert.step(), RuntimeFailure);
  Database::Transaction tx(db);  // a read transaction works on a read-only store
  EXPECT_EQ(count_rows(db, "items"), 1);
}

TEST(ReadOnly, AnOlderStoreIsRefusedUntilOpenedForWriting) {
  TempDir dir;
  const auto path = dir.file("items.db");
  { Database db(path, with(kOnlyV1)); }
  auto options = with(kV1V2);
  options.read_only = true;
  auto message = expect_refused(path, options);
  EXPECT_TRUE(contains(message, "version 1")) << message;
  EXPECT_TRUE(contains(message, "open it once for writing")) << message;
  { Database db(path, with(kV1V2)); }
  Database db(path, options);
  EXPECT_EQ(db.user_version(), 2);
}

}  // namespace
}  // namespace aria::store
