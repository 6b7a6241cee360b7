// HAR 1.2 in and out of the store: `aria-harness import-har` turns a browser's (or any tool's) HTTP
// Archive into a recording, secrets redacted as the recorder does; `aria-harness export-har` writes a
// stored recording as a HAR 1.2 file for other HAR readers (Playwright's routeFromHAR serves one as is).
//
// What a round trip (export, then import) keeps: method, scheme, host, path, query, HTTP version,
// headers, bodies (binary ones as base64), body sizes and truncation, status, error, and connection
// (HAR's `connection`); exchange number, visitor, client address and truncation go in the `_aria`
// extension of each entry. Values already redacted ("[redacted:...]") are kept as they are. HAR's
// startedDateTime has millisecond precision, so started_us comes back to the millisecond; durations
// are written as fractional milliseconds and come back to the microsecond.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "recorder/redact.hpp"
#include "store/recordings.hpp"

namespace aria::recorder {

struct HarImportOptions {
  std::string har_path;
  std::string db_path;
  std::string label;
  std::vector<std::string> redact_headers, redact_fields;  // beyond the recorder's defaults
};

struct HarImportSummary {
  std::int64_t recording_id = 0;   // 0 until stored
  std::string source;              // the file as named by the user
  std::string creator, browser;    // "Playwright 1.65.2", "chromium 156.0.8078.114" (browser may be empty)
  std::string upstream;            // the most frequent origin, "http://127.0.0.1"
  std::int64_t started_us = 0;     // the earliest entry
  std::size_t entries = 0, exchanges = 0, skipped = 0;
  std::map<std::string, std::size_t> skip_reasons;  // why -> how many entries
  std::size_t visitors = 0;
  std::size_t websocket_entries = 0, websocket_messages = 0;  // messages (_webSocketMessages) not imported
  std::int64_t bytes = 0;          // request and response body sizes
};

struct ParsedHar {
  std::vector<store::ExchangeRow> rows;  // recording_id 0, secrets redacted, in the file's order
  HarImportSummary summary;
};

// Checks a HAR document and turns it into rows. `source` names the file in messages and in the
// fallback visitor "har:<file name>". A document that is not HAR throws aria::UsageError naming the
// JSON path: "session.har: log.entries[3].request.url: missing". Touches no file.
ParsedHar parse_har(std::string_view text, std::string_view source, const Redactor& redactor);

// Reads, checks and redacts the whole file before the store is opened, then stores one recording
// (source "har") in one transaction. Throws aria::UsageError (nothing written) or RuntimeFailure.
HarImportSummary import_har(const HarImportOptions& options);
std::string format_import_summary(const HarImportSummary& summary, std::string_view db_path);

struct HarExportOptions {
  std::string db_path;
  std::int64_t recording_id = 0;
  std::string out_path;
  std::string tool_version = "0.1.0";  // log.creator.version
};

struct HarExportSummary {
  std::size_t entries = 0, base64_bodies = 0, truncated_bodies = 0;
  std::uintmax_t file_bytes = 0;
};

// The HAR 1.2 text of a recording's rows.
std::string har_document(const store::RecordingListing& recording, std::span<const store::ExchangeRow> rows,
                         std::string_view tool_version, HarExportSummary* summary = nullptr);

// Writes out_path.tmp, then renames it to out_path. An unknown store or recording throws
// aria::UsageError and writes nothing.
HarExportSummary export_har(const HarExportOptions& options);

}  // namespace aria::recorder
