// .env files for the secrets a replay needs.
#include "core/env_file.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"

namespace aria {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(EnvFile, NamesValuesCommentsExportsAndQuotes) {
  const auto got = parse_env_file(
      "# the key\n\nX_API_KEY=abc=def\r\nexport TOKEN = 'with spaces'\nQUOTED=\"q\"\nEMPTY=\n  # indented comment\n",
      ".env");
  EXPECT_EQ(got, (Pairs{{"X_API_KEY", "abc=def"}, {"TOKEN", "with spaces"}, {"QUOTED", "q"}, {"EMPTY", ""}}));
}

TEST(EnvFile, MalformedLinesNameTheLine) {
  auto message = [](std::string_view text) {
    try {
      parse_env_file(text, "secrets.env");
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message("A=1\nno equals sign\n"), "secrets.env:2: expected NAME=value, got a line without '='");
  EXPECT_NE(message("1BAD=x").find("secrets.env:1: \"1BAD\" is not a variable name"), std::string::npos);
  EXPECT_NE(message("BAD-NAME=x").find("is not a variable name"), std::string::npos);
}

TEST(EnvFile, TheEnvironmentWins) {
  const std::string path = ::testing::TempDir() + "/aria-env-test.env";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("ARIA_ENV_TEST_SET=from-file\nARIA_ENV_TEST_NEW=new\n", f);
    std::fclose(f);
  }
  setenv("ARIA_ENV_TEST_SET", "from-environment", 1);
  unsetenv("ARIA_ENV_TEST_NEW");
  EXPECT_EQ(load_env_file(path), 1);
  EXPECT_STREQ(std::getenv("ARIA_ENV_TEST_SET"), "from-environment");
  EXPECT_STREQ(std::getenv("ARIA_ENV_TEST_NEW"), "new");
  EXPECT_THROW(load_env_file(path + ".missing"), UsageError);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace aria
