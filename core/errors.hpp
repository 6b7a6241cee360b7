// Error kinds that cross module boundaries, and the exit codes cli/ maps them to.
#pragma once

#include <stdexcept>
#include <string>

namespace aria {

// Documented exit codes of the aria-harness binary.
enum ExitCode : int {
  kExitOk = 0,              // success
  kExitThresholdFailed = 1, // a threshold failed or a regression was found
  kExitUsage = 2,           // bad flags, files, models or recordings: nothing was written
  kExitRuntime = 3,         // cannot bind, cannot open the store, other runtime failure
};

// Bad input from the user: a flag, a file, a model. The message says what is wrong and what to do.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The environment failed us: a port in use, a store that cannot be opened for writing.
class RuntimeFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace aria
