// What every page's template gets: the shared styles as the partial {{> style}}.
#pragma once

#include <kainjow/mustache.hpp>

#include "reports/report.hpp"

namespace aria::reports {

kainjow::mustache::data page_data(const TemplateSource& templates);

}  // namespace aria::reports
