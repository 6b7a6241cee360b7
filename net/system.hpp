// Process-level helpers shared by the long-running commands.
#pragma once

#include <cstdint>

namespace aria::net {

// Raises the open-files limit (each connection is a file): the soft limit to the hard one, and,
// for a privileged process, both to `wanted` when that is higher (bounded by fs.nr_open).
// Returns the soft limit in force afterwards.
std::uint64_t raise_open_files_limit(std::uint64_t wanted = 0);

// Blocks SIGINT and SIGTERM in the calling thread; threads started afterwards inherit the mask,
// so the signals wait for wait_for_stop_signal() instead of killing the process mid-write.
void block_stop_signals();

// Waits for SIGINT or SIGTERM (blocked beforehand) and returns its number.
int wait_for_stop_signal();

// Restores the default disposition so a second Ctrl-C ends a process stuck in shutdown.
void unblock_stop_signals();

}  // namespace aria::net
