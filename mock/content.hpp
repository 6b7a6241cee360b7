// Bodies of realistic size for the stand-in: dashboard pages (40-125 KB of HTML) and mock-LLM
// replies (2.5-9 K characters of markdown). Built once at start-up, shared read-only by all threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace aria::mock {

struct Page {
  std::string path;   // "/dashboard"
  std::string title;
  std::string html;
};

class Content {
 public:
  Content();

  // The eight dashboard pages of Aria's Flask dashboard; nullptr for other paths.
  const Page* page(std::string_view path) const;
  const std::vector<Page>& pages() const { return pages_; }

  // A mock-LLM reply chosen from a fixed pool by `pick` (any number; taken modulo the pool).
  std::shared_ptr<const std::string> reply(std::uint64_t pick) const;
  std::size_t reply_count() const { return replies_.size(); }

 private:
  std::vector<Page> pages_;
  std::vector<std::shared_ptr<const std::string>> replies_;
};

}  // namespace aria::mock
