// Random identifiers shared by the stand-in (server-made session ids) and the replayer (per-user
// variables).
#pragma once

#include <random>
#include <string>

namespace aria {

// A random RFC 4122 version 4 uuid in canonical text form.
std::string make_uuid4(std::mt19937_64& rng);

}  // namespace aria
