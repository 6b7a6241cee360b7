// HTML reports from the store, rendered from Mustache templates (reports/templates/*.mustache,
// compiled in; a folder of the user's own copies can replace them). One self-contained file each:
// styles inline, charts as inline SVG, nothing fetched when it opens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/database.hpp"

namespace aria::reports {

struct TemplateSource {
  std::string dir;  // empty: the built-in templates; else NAME.mustache is read from here
};

// The template NAME ("report"): from the folder when it holds NAME.mustache, else built in.
// Throws aria::UsageError when the folder's copy cannot be read or does not parse.
std::string template_text(const TemplateSource& source, std::string_view name);

// The report of run `run_id`. Throws aria::UsageError for an unknown run (naming the runs there
// are) or a bad template.
std::string render_run_report(const store::Database& db, std::int64_t run_id, const TemplateSource& templates);

// The built-in template's text, as shipped in reports/templates/ (report, compare, trend, style).
std::string_view builtin_template(std::string_view name);

}  // namespace aria::reports
