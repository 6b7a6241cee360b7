#include "core/files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace aria {

std::string read_text_file(const std::string& path, std::string_view what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw UsageError(fmt::format("{} \"{}\" does not exist", what, path));
  if (std::filesystem::is_directory(path, ec))
    throw UsageError(fmt::format("{} \"{}\" is a directory, not a file", what, path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("cannot read {} \"{}\": {}", what, path, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw UsageError(fmt::format("cannot read {} \"{}\": {}", what, path, std::strerror(errno)));
  return std::move(text).str();
}

void require_folder_of(std::string_view flag, const std::string& file) {
  if (file.empty()) return;
  const auto dir = std::filesystem::path(file).parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
    throw UsageError(fmt::format("{} {}: the folder {} does not exist", flag, file, dir.string()));
}

void write_file_atomically(const std::string& path, std::string_view content, std::string_view what) {
  const std::string tmp = path + ".tmp";
  auto fail = [&](const char* step, int err) {
    std::remove(tmp.c_str());
    return RuntimeFailure(fmt::format("cannot write the {} \"{}\": {} failed: {}", what, path, step, std::strerror(err)));
  };
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw fail("open", errno);
  bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  int err = ok ? 0 : errno;
  if (std::fclose(f) != 0 && ok) ok = false, err = errno;
  if (!ok) throw fail("write", err ? err : EIO);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw fail("rename", errno);
}

}  // namespace aria
