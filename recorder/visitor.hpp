// Who sent a request: the synthesizer groups exchanges into visitors and sessions by this.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "recorder/redact.hpp"

namespace aria::recorder {

struct VisitorRule {
  enum class Kind { cookie, header, credential };
  Kind kind = Kind::credential;
  std::string name;  // cookie or header name

  // "cookie:NAME" or "header:NAME"; empty: the credential rule. Throws aria::UsageError.
  static VisitorRule parse(std::string_view spec);
  // As stored with the recording: "cookie:NAME", "header:NAME" or "credential".
  std::string describe() const;
};

using RawHeaders = std::vector<std::pair<std::string, std::string>>;

// The visitor of a request, never a raw value: "cookie:<digest>", "header:<digest>",
// "credential:<digest>" (Authorization or X-API-Key), else "connection:<id>" when the rule's
// source is missing from the request.
std::string identify_visitor(const VisitorRule& rule, const RawHeaders& headers, std::uint64_t connection_id,
                             const Redactor& redactor);

}  // namespace aria::recorder
