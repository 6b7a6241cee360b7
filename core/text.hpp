// Escaping for the formats the harness writes by hand.
#pragma once

#include <string>
#include <string_view>

namespace aria {

// Appends `text` percent-encoded as a URL component (RFC 3986 unreserved characters stay).
void url_encode(std::string& out, std::string_view text);
// Appends `text` escaped for the inside of a JSON string.
void json_escape(std::string& out, std::string_view text);
// Appends `text` escaped for HTML and XML text and attribute values (& < > " ').
void html_escape(std::string& out, std::string_view text);
// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or cut-off sequences).
bool valid_utf8(std::string_view s);

}  // namespace aria
