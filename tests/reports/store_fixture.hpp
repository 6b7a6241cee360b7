// A fresh store file in a scratch folder per test, removed afterwards.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "store/database.hpp"

namespace aria::reports::testing {

struct StoreFixture : ::testing::Test {
  std::filesystem::path dir;
  std::unique_ptr<store::Database> db;
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("aria-reports-" + std::to_string(getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    db = std::make_unique<store::Database>((dir / "runs.db").string());
  }
  void TearDown() override {
    db.reset();
    std::filesystem::remove_all(dir);
  }
};

}  // namespace aria::reports::testing
