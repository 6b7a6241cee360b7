// Checks the commands share before they touch anything.
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/errors.hpp"

namespace aria::cli {

void require_store(const std::string& path, std::string_view maker) {
  if (!std::filesystem::exists(path))
    throw UsageError(fmt::format("--db {}: no such file; {} into it first (aria-harness {} --db {})", path, maker, maker,
                                 path));
}

}  // namespace aria::cli
