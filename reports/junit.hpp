// JUnit XML (the Ant/Surefire dialect every CI system reads) for thresholds and comparisons.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace aria::reports {

struct JUnitCase {
  std::string classname, name;
  std::optional<std::string> failure;  // set: the case failed, with this message
  double seconds = 0;
};

// One <testsuite> in <testsuites>, every text escaped.
std::string junit_xml(const std::string& suite, const std::vector<JUnitCase>& cases);

}  // namespace aria::reports
