#include "recorder/redact.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace aria::recorder {

std::vector<std::string> name_words(std::string_view name);

namespace {

// ASCII only, and no locale lookup per character: names on the wire are ASCII.
constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = ascii_lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view lower_b) {
  if (a.size() != lower_b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != lower_b[i]) return false;
  return true;
}

}  // namespace

Redactor::Redactor(std::string key)
    : key_(std::move(key)),
      headers_{"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"},
      fields_{} {
  for (auto needle : {"pass", "pwd", "secret", "token", "key"}) add_prefix(needle);
}

void Redactor::add_prefix(std::string_view lower_needle) {
  auto letter = [](char c) { return c >= 'a' && c <= 'z'; };
  if (lower_needle.size() < 2 || !letter(lower_needle[0]) || !letter(lower_needle[1])) {
    every_name_a_candidate_ = true;
    return;
  }
  prefixes_[static_cast<std::size_t>(lower_needle[0] - 'a')] |= 1u << (lower_needle[1] - 'a');
}

void Redactor::add_header(std::string name) { headers_.push_back(lower(name)); }
void Redactor::add_field(std::string name) {
  fields_.push_back(lower(name));
  add_prefix(fields_.back());
}

std::string Redactor::digest(std::string_view value) const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(value.data()),
       value.size(), digest, &len);
  std::string hex;
  for (unsigned i = 0; i < 8 && i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

bool Redactor::is_secret_header(std::string_view name) const {
  return std::any_of(headers_.begin(), headers_.end(), [&](const std::string& h) { return iequals(name, h); });
}

// The words of a name: split at non-alphanumerics and at lower-to-upper case changes, lower-cased.
// "refreshToken" -> {refresh, token}; "x-api-key" -> {x, api, key}; "input_tokens" -> {input, tokens}.
std::vector<std::string> name_words(std::string_view name) {
  std::vector<std::string> words;
  std::string word;
  char prev = 0;
  for (char c : name) {
    bool alnum = std::isalnum(static_cast<unsigned char>(c));
    bool boundary = !alnum || (std::isupper(static_cast<unsigned char>(c)) && std::islower(static_cast<unsigned char>(prev)));
    if (boundary && !word.empty()) words.push_back(std::move(word)), word.clear();
    if (alnum) word += ascii_lower(c);
    prev = c;
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

bool Redactor::is_secret_field(std::string_view name) const {
  // Credentials by name: a word password, passwd, pwd, passphrase, secret, token or apikey, or the
  // pairs "api key" and "private key". Counts such as input_tokens are not secrets.
  static const char* const kSecretWords[] = {"password", "passwd", "pwd", "passphrase", "secret", "token", "apikey"};
  // Most names hold none of these letters at all: answer them without splitting into words.
  // First a name must hold the first two letters of one of the words searched for (a JSON body
  // has many member names, nearly all of them harmless).
  bool maybe = every_name_a_candidate_;
  auto letter_index = [](char c) -> unsigned {  // 0-25 for a letter of either case, else 26 or more
    return static_cast<unsigned>(static_cast<unsigned char>(ascii_lower(c)) - 'a');
  };
  for (std::size_t i = 0; !maybe && i + 1 < name.size(); ++i) {
    const unsigned a = letter_index(name[i]), b = letter_index(name[i + 1]);
    maybe = a < 26 && b < 26 && (prefixes_[a] >> b & 1u) != 0;
  }
  if (!maybe) return false;
  // Names are lower-cased once into a small buffer (longer ones take the slow path below).
  char buffer[64];
  std::string long_name;
  std::string_view folded;
  if (name.size() <= sizeof buffer) {
    for (std::size_t i = 0; i < name.size(); ++i) buffer[i] = ascii_lower(name[i]);
    folded = std::string_view(buffer, name.size());
  } else {
    long_name = lower(name);
    folded = long_name;
  }
  auto contains = [folded](std::string_view needle) { return folded.find(needle) != std::string_view::npos; };
  bool candidate = contains("pass") || contains("pwd") || contains("secret") || contains("token") || contains("key");
  for (const auto& f : fields_) candidate = candidate || contains(f);
  if (!candidate) return false;
  auto words = name_words(name);
  for (std::size_t i = 0; i < words.size(); ++i) {
    for (auto* s : kSecretWords)
      if (words[i] == s) return true;
    if (i + 1 < words.size() && words[i + 1] == "key" && (words[i] == "api" || words[i] == "private")) return true;
  }
  auto n = lower(name);
  for (const auto& f : fields_)
    if (n == f || std::find(words.begin(), words.end(), f) != words.end()) return true;
  return false;
}

std::string Redactor::header_value(std::string_view name, std::string_view value) const {
  return is_secret_header(name) ? marker(value) : std::string(value);
}

std::string Redactor::query(std::string_view q) const {
  std::string out;
  std::size_t i = 0;
  while (i <= q.size()) {
    auto amp = q.find('&', i);
    if (amp == std::string_view::npos) amp = q.size();
    auto pair = q.substr(i, amp - i);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && is_secret_field(pair.substr(0, eq))) {
      out += pair.substr(0, eq + 1);
      out += marker(pair.substr(eq + 1));
    } else {
      out += pair;
    }
    if (amp < q.size()) out += '&';
    i = amp + 1;
  }
  return out;
}

namespace {
constexpr bool json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
}  // namespace

std::string Redactor::json_text(std::string_view t) const {
  // A scanner that knows strings and member names, and tolerates text cut off anywhere. Nothing
  // is copied until a secret turns up: most bodies hold none and come back in one copy.
  std::string out;
  std::size_t copied = 0;  // t[0, copied) is in `out` already
  // Strings and the gaps between them are short in most JSON: plain loops beat a memchr per piece.
  auto read_string = [&](std::size_t start) {  // index past the closing quote, or t.size()
    std::size_t j = start + 1;
    while (j < t.size()) {
      const char c = t[j];
      if (c == '"') return j + 1;
      j += c == '\\' ? 2 : 1;
    }
    return t.size();
  };
  auto next_quote = [&](std::size_t from) {
    while (from < t.size() && t[from] != '"') ++from;
    return from;
  };
  std::size_t i = next_quote(0);
  while (i < t.size()) {
    const auto end = read_string(i);
    const auto name_start = i;
    i = end;
    // A member name is a string followed by ':'.
    auto k = i;
    while (k < t.size() && json_space(t[k])) ++k;
    if (k >= t.size() || t[k] != ':' || end - name_start < 2 ||
        !is_secret_field(t.substr(name_start + 1, end - name_start - 2))) {
      i = next_quote(k);
      continue;
    }
    i = k + 1;
    while (i < t.size() && json_space(t[i])) ++i;
    if (i >= t.size()) break;
    std::size_t vend = 0;
    std::string_view secret;
    if (t[i] == '"') {
      // The string's content is hashed without its quotes, so that it matches the same secret
      // seen in a header or a query.
      vend = read_string(i);
      const bool closed = vend - i >= 2 && t[vend - 1] == '"';
      secret = t.substr(i + 1, vend - i - 1 - (closed ? 1 : 0));
    } else if (t[i] == '{' || t[i] == '[') {
      i = next_quote(i);  // a nested object or array: its own members are scanned in turn
      continue;
    } else {
      vend = t.find_first_of(",}] \t\r\n", i);
      if (vend == std::string_view::npos) vend = t.size();
      secret = t.substr(i, vend - i);
    }
    if (out.empty()) out.reserve(t.size() + 32);
    out.append(t.substr(copied, i - copied));
    out += '"';
    out += marker(secret);
    out += '"';
    copied = vend;
    i = next_quote(vend);
  }
  if (copied == 0) return std::string(t);
  out.append(t.substr(copied));
  return out;
}

std::string Redactor::body(std::string_view content_type, std::string_view b) const {
  auto ct = lower(content_type);
  if (ct.find("x-www-form-urlencoded") != std::string::npos) return query(b);
  auto first = b.find_first_not_of(" \t\r\n");
  bool json_like = ct.find("json") != std::string::npos ||
                   (first != std::string_view::npos && (b[first] == '{' || b[first] == '['));
  return json_like ? json_text(b) : std::string(b);
}

}  // namespace aria::recorder
