#include "store/database.hpp"

#include <sqlite3.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace aria::store {
namespace {

constexpr int kBusyTimeoutMs = 5000;

// The first 16 bytes of every SQLite 3 database file.
constexpr std::array<char, 16> kSqliteMagic = {'S', 'Q', 'L', 'i', 't', 'e', ' ', 'f',
                                               'o', 'r', 'm', 'a', 't', ' ', '3', '\0'};
constexpr std::size_t kHeaderSize = 100;      // the database header
constexpr std::size_t kUserVersionOffset = 60;  // big-endian 32-bit PRAGMA user_version

// The start of a statement, for error messages.
std::string sql_excerpt(std::string_view sql) {
  while (!sql.empty() && (sql.front() == ' ' || sql.front() == '\n' || sql.front() == '\t')) {
    sql.remove_prefix(1);
  }
  constexpr std::size_t kMax = 60;
  std::string out(sql.substr(0, kMax));
  for (auto& c : out) {
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  }
  if (sql.size() > kMax) out += "...";
  return out;
}

[[noreturn]] void throw_sqlite(sqlite3* db, std::string_view sql) {
  throw RuntimeFailure(fmt::format("SQLite error: {} (in \"{}\")", sqlite3_errmsg(db), sql_excerpt(sql)));
}

bool in_memory(const std::string& path) { return path.empty() || path == ":memory:"; }

// Closes a connection still under construction when the constructor throws.
struct ConnectionGuard {
  sqlite3* db = nullptr;
  ~ConnectionGuard() {
    if (db != nullptr) sqlite3_close_v2(db);
  }
  sqlite3* release() { return std::exchange(db, nullptr); }
};

int query_int(sqlite3* db, std::string_view sql) {
  Statement st(db, sql);
  if (!st.step()) throw RuntimeFailure(fmt::format("SQLite returned no row for \"{}\"", sql));
  return static_cast<int>(st.int64(0));
}

// Checks, without SQLite and without writing, that an existing non-empty file is an SQLite
// database. Returns the user_version its header records (SQLite may know a newer one from
// the -wal file; the caller asks SQLite too).
std::optional<std::int32_t> check_file_header(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec || size == 0) return std::nullopt;  // missing, not a file, or empty: SQLite decides

  std::array<unsigned char, kHeaderSize> header{};
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;  // unreadable: let sqlite3_open_v2 report it
  in.read(reinterpret_cast<char*>(header.data()), header.size());
  bool is_sqlite = in.gcount() == static_cast<std::streamsize>(header.size()) &&
                   std::memcmp(header.data(), kSqliteMagic.data(), kSqliteMagic.size()) == 0;
  if (!is_sqlite) {
    throw UsageError(fmt::format(
        "{} is not an aria-harness store (not an SQLite file); it was left untouched. "
        "Pass the path of a store file, or a new path to create one.",
        path));
  }
  const unsigned char* v = header.data() + kUserVersionOffset;
  auto bits = (std::uint32_t{v[0]} << 24) | (std::uint32_t{v[1]} << 16) | (std::uint32_t{v[2]} << 8) |
              std::uint32_t{v[3]};
  return static_cast<std::int32_t>(bits);  // signed, as SQLite reads it
}

[[noreturn]] void throw_too_new(const std::string& path, std::int64_t version, int newest) {
  throw UsageError(fmt::format(
      "{} is at store schema version {}, newer than version {}, the newest this aria-harness "
      "knows; it was left untouched. Upgrade aria-harness to open it.",
      path, version, newest));
}

[[noreturn]] void throw_too_old(const std::string& path, std::int64_t version, int newest) {
  throw UsageError(fmt::format(
      "{} is at store schema version {}, older than version {} of this aria-harness, and was "
      "opened read-only; open it once for writing (any command that records or replays into "
      "it) to migrate it.",
      path, version, newest));
}

void check_migration_list(std::span<const Migration> migrations) {
  int expected = 1;
  for (const auto& m : migrations) {
    if (m.version != expected) {
      throw std::invalid_argument(fmt::format(
          "store migrations must be numbered 1, 2, 3, ...; found version {} where {} was expected",
          m.version, expected));
    }
    ++expected;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Statement

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, &tail) != SQLITE_OK) {
    throw_sqlite(db, sql);
  }
  if (stmt_ == nullptr) throw RuntimeFailure(fmt::format("no SQL statement in \"{}\"", sql_excerpt(sql)));
  // Only one statement per Statement: a second one would be silently ignored.
  std::string_view rest(tail, sql.data() + sql.size() - tail);
  for (char c : rest) {
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r' && c != ';') {
      sqlite3_finalize(std::exchange(stmt_, nullptr));
      throw RuntimeFailure(fmt::format("more than one SQL statement in \"{}\"", sql_excerpt(sql)));
    }
  }
}

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

namespace {
void check_bind(sqlite3* db, sqlite3_stmt* stmt, int rc) {
  if (rc != SQLITE_OK) throw_sqlite(db, sqlite3_sql(stmt));
}
}  // namespace

Statement& Statement::bind(int index, std::int64_t value) {
  check_bind(db_, stmt_, sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::bind(int index, double value) {
  check_bind(db_, stmt_, sqlite3_bind_double(stmt_, index, value));
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  // A null pointer would bind NULL; an empty view still means the empty string.
  const char* data = text.data() != nullptr ? text.data() : "";
  check_bind(db_, stmt_, sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const std::byte> data) {
  const void* bytes = data.data() != nullptr ? static_cast<const void*>(data.data()) : "";
  check_bind(db_, stmt_, sqlite3_bind_blob64(stmt_, index, bytes, data.size(), SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view data) {
  return bind_blob(index, std::as_bytes(std::span<const char>(data.data(), data.size())));
}

Statement& Statement::bind_borrowed(int index, std::string_view text) {
  const char* data = text.data() != nullptr ? text.data() : "";
  check_bind(db_, stmt_, sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_STATIC, SQLITE_UTF8));
  return *this;
}

Statement& Statement::bind_blob_borrowed(int index, std::string_view data) {
  const void* bytes = data.data() != nullptr ? static_cast<const void*>(data.data()) : "";
  check_bind(db_, stmt_, sqlite3_bind_blob64(stmt_, index, bytes, data.size(), SQLITE_STATIC));
  return *this;
}

Statement& Statement::bind_null(int index) {
  check_bind(db_, stmt_, sqlite3_bind_null(stmt_, index));
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string message = fmt::format("SQLite error: {} (in \"{}\")", sqlite3_errmsg(db_), sql_excerpt(sqlite3_sql(stmt_)));
  sqlite3_reset(stmt_);  // leave the statement reusable
  throw RuntimeFailure(message);
}

void Statement::reset() {
  sqlite3_reset(stmt_);  // its result repeats the last step()'s, which already threw
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Statement::text(int column) const {
  const auto* data = sqlite3_column_text(stmt_, column);
  if (data == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string_view Statement::text_view(int column) const {
  const auto* data = sqlite3_column_text(stmt_, column);
  if (data == nullptr) return {};
  return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::string Statement::blob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  if (data == nullptr) return {};
  return std::string(static_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

// ---------------------------------------------------------------------------------------------
// Database

Database::Database(const std::string& path) : Database(path, Options{}) {}

Database::Database(const std::string& path, Options options) : path_(path) {
  check_migration_list(options.migrations);
  const int newest = options.migrations.empty() ? 0 : options.migrations.back().version;
  const bool memory = in_memory(path);

  // Everything up to the version check only reads, so a refused file stays byte-identical.
  if (!memory) {
    std::error_code ec;
    bool exists = std::filesystem::exists(path, ec);
    if (!exists && !ec && (!options.create || options.read_only)) {
      throw UsageError(fmt::format(
          "no store at {}: check the path, or create the store first", path));
    }
  }
  // A -wal file means the header may be stale (SQLite reads the newest version below), and
  // that another process or a crash left it: we must not checkpoint it after refusing.
  std::error_code wal_ec;
  const bool had_wal = !memory && std::filesystem::exists(path + "-wal", wal_ec);
  if (auto header_version = memory ? std::nullopt : check_file_header(path)) {
    if (*header_version > newest) throw_too_new(path, *header_version, newest);
    // Decided from the header alone: a read-only SQLite connection would leave -wal and -shm
    // files behind.
    if (options.read_only && !had_wal && *header_version < newest) {
      throw_too_old(path, *header_version, newest);
    }
  }

  int flags = SQLITE_OPEN_FULLMUTEX;
  if (options.read_only) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE;
    if (options.create) flags |= SQLITE_OPEN_CREATE;
  }
  ConnectionGuard guard;
  int rc = sqlite3_open_v2(path.c_str(), &guard.db, flags, nullptr);
  if (rc != SQLITE_OK) {
    if (guard.db == nullptr) throw RuntimeFailure(fmt::format("cannot open store {}: out of memory", path));
    int os_error = sqlite3_system_errno(guard.db);
    throw RuntimeFailure(fmt::format("cannot open store {}: {}{}", path, sqlite3_errmsg(guard.db),
                                     os_error != 0 ? fmt::format(" ({})", std::strerror(os_error)) : ""));
  }
  sqlite3_extended_result_codes(guard.db, 1);
  sqlite3_busy_timeout(guard.db, kBusyTimeoutMs);
  // A -wal file we create (reading a WAL-mode file) is empty and removed on close.
  if (had_wal) sqlite3_db_config(guard.db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);

  // Read-only query: the -wal file, if any, may hold a newer version than the header.
  int version = 0;
  {
    Statement st(guard.db, "PRAGMA user_version");
    try {
      st.step();
    } catch (const RuntimeFailure& e) {
      int code = sqlite3_errcode(guard.db) & 0xff;
      if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
        throw UsageError(fmt::format(
            "{} is not an aria-harness store (a damaged or foreign SQLite file: {}); "
            "restore it from a backup or pass another path.",
            path, sqlite3_errmsg(guard.db)));
      }
      throw RuntimeFailure(fmt::format("cannot read store {}: {}", path, e.what()));
    }
    version = static_cast<int>(st.int64(0));
  }
  if (version > newest) throw_too_new(path, version, newest);
  if (options.read_only && version < newest) throw_too_old(path, version, newest);

  // Accepted: from here on the file may be written (unless read-only).
  if (had_wal) sqlite3_db_config(guard.db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, nullptr);
  db_ = guard.db;
  exec("PRAGMA foreign_keys=ON");
  if (options.read_only) {
    guard.release();
    return;
  }
  if (!memory && sqlite3_db_readonly(guard.db, "main") == 1) {
    throw RuntimeFailure(fmt::format("cannot open store {} for writing: the file or its folder is read-only", path));
  }

  // A new file gets 16 KiB pages: recordings append rows of a few KiB each, and every page is
  // one write to the WAL, so larger pages mean a quarter of the writes. Ignored for existing files.
  if (!memory && version == 0) exec("PRAGMA page_size=16384");
  if (!memory) exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");

  for (const auto& m : options.migrations) {
    if (m.version <= version) continue;
    try {
      Transaction tx(*this);
      // Another process may have migrated while we waited for the write lock.
      if (query_int(db_, "PRAGMA user_version") < m.version) {
        exec(m.sql);
        exec(fmt::format("PRAGMA user_version={}", m.version));
        tx.commit();
      }
    } catch (const std::exception& e) {
      throw RuntimeFailure(fmt::format("migrating store {} to schema version {} failed, it stays at version {}: {}",
                                       path, m.version, version, e.what()));
    }
    version = m.version;
  }
  guard.release();
}

Database::~Database() {
  // close_v2 waits for any Statement still alive instead of failing.
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

int Database::user_version() const { return query_int(db_, "PRAGMA user_version"); }

void Database::exec(std::string_view sql) const {
  // sqlite3_exec needs a terminated string; SQL passed here is short DDL, so the copy is cheap.
  std::string text(sql);
  char* error = nullptr;
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = fmt::format("SQLite error: {} (in \"{}\")", error != nullptr ? error : sqlite3_errmsg(db_),
                                      sql_excerpt(sql));
    sqlite3_free(error);
    throw RuntimeFailure(message);
  }
}

std::int64_t Database::last_insert_id() const { return sqlite3_last_insert_rowid(db_); }

// ---------------------------------------------------------------------------------------------
// Database::Transaction

Database::Transaction::Transaction(const Database& db) : db_(db) {
  // IMMEDIATE takes the write lock now, so a busy store waits here (busy timeout) instead of
  // failing halfway through; read-only connections cannot take it.
  db_.exec(sqlite3_db_readonly(db_.handle(), "main") == 1 ? "BEGIN" : "BEGIN IMMEDIATE");
}

Database::Transaction::~Transaction() {
  // Some errors already roll back; ROLLBACK outside a transaction would fail.
  if (!done_ && sqlite3_get_autocommit(db_.handle()) == 0) {
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Database::Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace aria::store
