// Secrets out before anything reaches the disk: header values, query parameters and body fields
// that carry credentials are replaced by a marker holding a keyed hash, so equal secrets stay
// equal (correlation still works) and the secret itself is never stored.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aria::recorder {

class Redactor {
 public:
  // `key` keys the hash; a recorder draws a random one per recording.
  explicit Redactor(std::string key);

  void add_header(std::string name);  // beyond the defaults, case-insensitive
  void add_field(std::string name);   // body fields and query parameters: the whole name or one word of it

  // 16 hex digits of HMAC-SHA256(key, value).
  std::string digest(std::string_view value) const;
  // "[redacted:" + digest(value) + "]".
  std::string marker(std::string_view value) const { return "[redacted:" + digest(value) + "]"; }

  bool is_secret_header(std::string_view name) const;
  bool is_secret_field(std::string_view name) const;

  std::string header_value(std::string_view name, std::string_view value) const;
  // "a=1&api_key=K" -> "a=1&api_key=[redacted:...]"; order and encoding otherwise untouched.
  std::string query(std::string_view query) const;
  // JSON text, whole or truncated: every string or scalar value of a secret-named member is
  // replaced; the rest is byte for byte the same. Form-encoded bodies go through query().
  std::string json_text(std::string_view text) const;
  std::string body(std::string_view content_type, std::string_view body) const;

 private:
  std::string key_;
  std::vector<std::string> headers_;  // lower case
  std::vector<std::string> fields_;   // lower case
  // The first two letters of every word is_secret_field() looks for (bit b of prefixes_[a] for
  // letters a, b): a quick "certainly not" for most names. A field that does not start with two
  // letters makes every name a candidate.
  std::array<std::uint32_t, 26> prefixes_{};
  bool every_name_a_candidate_ = false;
  void add_prefix(std::string_view lower_needle);
};

}  // namespace aria::recorder
