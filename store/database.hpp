// The SQLite store: opening, migrating, and prepared statements. The only module that speaks SQL.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace aria::store {

// One numbered schema step. Version N turns a version N-1 file into a version N file.
struct Migration {
  int version;
  std::string_view sql;
};

// The migrations compiled into this binary, in order (schemas/store.sql is version 1).
std::span<const Migration> builtin_migrations();

// A prepared statement. bind() is 1-based as in SQLite; step() returns true while rows come.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);            // TEXT, copied by SQLite
  Statement& bind_blob(int index, std::span<const std::byte> data);  // BLOB, copied by SQLite
  Statement& bind_blob(int index, std::string_view data);
  Statement& bind_null(int index);
  // Not copied: the bytes must stay alive and unchanged until the statement is reset or runs
  // again (for large values written in a loop, such as recorded bodies).
  Statement& bind_borrowed(int index, std::string_view text);
  Statement& bind_blob_borrowed(int index, std::string_view data);
  template <class T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  bool step();        // true: a row is ready; false: done. Throws on error.
  void reset();       // ready to run again; bindings are cleared
  void run() { step(); reset(); }  // execute a statement that returns no rows

  bool is_null(int column) const;  // columns are 0-based as in SQLite
  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  // The text without a copy: valid until the next step(), reset() or read of the same column.
  std::string_view text_view(int column) const;
  std::string blob(int column) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// An open store file (or ":memory:"). Opening migrates it to the newest version this binary
// knows. A file of a newer version, or one that is not SQLite, throws aria::UsageError and is
// left byte-for-byte as it was. An unopenable path throws aria::RuntimeFailure.
class Database {
 public:
  struct Options {
    bool create = true;            // create the file when missing
    bool read_only = false;        // open without writing (no migration; must be current)
    std::span<const Migration> migrations = builtin_migrations();
  };

  explicit Database(const std::string& path);
  Database(const std::string& path, Options options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }
  int user_version() const;

  Statement prepare(std::string_view sql) const { return Statement(db_, sql); }
  void exec(std::string_view sql) const;  // for statements without parameters only
  std::int64_t last_insert_id() const;

  // RAII transaction: commits in commit(), rolls back when destroyed without it.
  class Transaction {
   public:
    explicit Transaction(const Database& db);
    ~Transaction();
    void commit();
   private:
    const Database& db_;
    bool done_ = false;
  };

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace aria::store
