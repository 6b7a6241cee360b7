// .env files: the secrets a replay needs ({env.NAME} in a model), kept out of the model and the
// shell history.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aria {

// NAME=value lines; blank lines and lines starting with '#' are skipped, "export " before a name
// is allowed, and a value in single or double quotes loses them. Throws aria::UsageError naming
// the source and line of anything else.
std::vector<std::pair<std::string, std::string>> parse_env_file(std::string_view text, std::string_view source);

// Reads the file and sets each variable the process environment does not already have (the
// environment wins, as with other .env readers). Returns how many were set.
int load_env_file(const std::string& path);

}  // namespace aria
