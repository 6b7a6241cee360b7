#include "reports/junit.hpp"

#include <fmt/format.h>

#include "core/text.hpp"

namespace aria::reports {
namespace {
std::string esc(std::string_view s) {
  std::string out;
  html_escape(out, s);
  return out;
}
}  // namespace

std::string junit_xml(const std::string& suite, const std::vector<JUnitCase>& cases) {
  std::size_t failures = 0;
  double seconds = 0;
  for (const auto& c : cases) {
    failures += c.failure ? 1 : 0;
    seconds += c.seconds;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n", cases.size(), failures, seconds);
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{:.3f}\">\n",
                     esc(suite), cases.size(), failures, seconds);
  for (const auto& c : cases) {
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\"", esc(c.classname), esc(c.name),
                       c.seconds);
    if (c.failure)
      out += fmt::format(">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n", esc(*c.failure),
                         esc(*c.failure));
    else
      out += "/>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace aria::reports
