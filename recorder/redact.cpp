#include "recorder/redact.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace aria::recorder {

std::vector<std::string> name_words(std::string_view name);

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Redactor::Redactor(std::string key)
    : key_(std::move(key)),
      headers_{"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"},
      fields_{} {}

void Redactor::add_header(std::string name) { headers_.push_back(lower(name)); }
void Redactor::add_field(std::string name) { fields_.push_back(lower(name)); }

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
  auto n = lower(name);
  return std::find(headers_.begin(), headers_.end(), n) != headers_.end();
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
    if (alnum) word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
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
  auto icontains = [name](std::string_view needle) {
    return std::search(name.begin(), name.end(), needle.begin(), needle.end(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           }) != name.end();
  };
  bool candidate = icontains("pass") || icontains("pwd") || icontains("secret") || icontains("token") ||
                   icontains("key");
  for (const auto& f : fields_) candidate = candidate || icontains(f);
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

std::string Redactor::json_text(std::string_view t) const {
  // A scanner that knows strings and member names, and tolerates text cut off anywhere.
  std::string out;
  out.reserve(t.size());
  std::size_t i = 0;
  auto read_string = [&](std::size_t start) {  // index past the closing quote, or t.size()
    std::size_t j = start + 1;
    while (j < t.size() && t[j] != '"') j += t[j] == '\\' ? 2 : 1;
    return std::min(j + 1, t.size());
  };
  while (i < t.size()) {
    if (t[i] != '"') {
      auto next = t.find('"', i);  // copy the run up to the next string at once
      if (next == std::string_view::npos) next = t.size();
      out.append(t.substr(i, next - i));
      i = next;
      continue;
    }
    auto end = read_string(i);
    auto token = t.substr(i, end - i);
    out += token;
    i = end;
    // A member name is a string followed by ':'.
    auto k = i;
    while (k < t.size() && std::isspace(static_cast<unsigned char>(t[k]))) ++k;
    if (k >= t.size() || t[k] != ':') continue;
    std::string_view name = token.size() >= 2 ? token.substr(1, token.size() - 2) : std::string_view();
    if (!is_secret_field(name)) continue;
    out += t.substr(i, k + 1 - i);
    i = k + 1;
    while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) out += t[i++];
    if (i >= t.size()) break;
    std::string_view value;
    if (t[i] == '"') {
      auto vend = read_string(i);
      value = t.substr(i, vend - i);
      i = vend;
    } else if (t[i] == '{' || t[i] == '[') {
      continue;  // a nested object or array: its own members are scanned in turn
    } else {
      auto vend = t.find_first_of(",}] \t\r\n", i);
      if (vend == std::string_view::npos) vend = t.size();
      value = t.substr(i, vend - i);
      i = vend;
    }
    out += '"' + marker(value) + '"';
  }
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
