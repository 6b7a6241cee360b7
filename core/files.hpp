// Reading the files a user names on the command line.
#pragma once

#include <string>
#include <string_view>

namespace aria {

// The whole file. Throws aria::UsageError naming `what` and the path when it does not exist, is
// a directory, or cannot be read: `what` "model file" gives `model file "x.json" does not exist`.
std::string read_text_file(const std::string& path, std::string_view what);

// Throws aria::UsageError ("-o out/x.html: the folder out does not exist") when `file` names a
// folder that does not exist; an empty `file` (the flag not given) passes. Call it before
// anything is written, so that a typo in an output path leaves nothing half-done.
void require_folder_of(std::string_view flag, const std::string& file);

// Writes `content` to path + ".tmp" and renames it over `path`, so that readers see the old file
// or the new one, never half of one. Throws aria::RuntimeFailure naming `what`, the path and the
// system's reason; the temporary file is removed.
void write_file_atomically(const std::string& path, std::string_view content, std::string_view what);

}  // namespace aria
