// Helpers shared by the store tests: a per-test temporary folder and raw file/SQLite access
// that bypasses aria::store, so tests can build and inspect files independently of it.
#pragma once

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "store/database.hpp"

namespace aria::store::testing {

// A fresh folder under the system temp dir, named after the test, removed with its contents.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::random_device random;
    std::string name = "aria-store-test-" + std::to_string(::getpid()) + "-" +
                       std::to_string(random()) + "-" + (info ? info->name() : "none");
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline bool exists(const std::string& path) { return std::filesystem::exists(path); }

// A plain SQLite connection, opened without aria::store.
class RawConnection {
 public:
  explicit RawConnection(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
      std::string message = sqlite3_errmsg(db_);
      sqlite3_close(db_);
      throw std::runtime_error("raw open " + path + ": " + message);
    }
  }
  ~RawConnection() { sqlite3_close(db_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error ? error : "?";
      sqlite3_free(error);
      throw std::runtime_error("raw exec " + sql + ": " + message);
    }
  }
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// Names of the tables (type "table") or indexes (type "index") in a database.
inline std::set<std::string> schema_names(const Database& db, const std::string& type) {
  std::set<std::string> names;
  auto st = db.prepare("SELECT name FROM sqlite_master WHERE type = ?1 AND name NOT LIKE 'sqlite_%'");
  st.bind(1, std::string_view(type));
  while (st.step()) names.insert(st.text(0));
  return names;
}

inline std::int64_t count_rows(const Database& db, const std::string& table) {
  // Table names cannot be bound; tests pass only literals.
  auto st = db.prepare("SELECT count(*) FROM " + table);
  st.step();
  return st.int64(0);
}

}  // namespace aria::store::testing
