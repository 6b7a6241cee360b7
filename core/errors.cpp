#include "core/errors.hpp"
// The error types are header-only; this unit anchors the library.
