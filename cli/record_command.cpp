// `aria-harness record` and `aria-harness recordings`.
#include <memory>

#include "cli/commands.hpp"
#include "core/parse.hpp"
#include "recorder/record.hpp"

namespace aria::cli {

Runner add_record_command(CLI::App& app) {
  struct Flags {
    recorder::RecordOptions o;
    std::string max_body = "1MiB", upstream_timeout = "120s";
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "record",
      "Put a capturing reverse proxy in front of Aria: clients talk to --listen as to the upstream, and every\n"
      "exchange goes to the store with its timings, headers and bodies. Secrets (Authorization, Cookie,\n"
      "Set-Cookie, X-API-Key, api_key-like query parameters, password/token/secret/api_key JSON fields) are\n"
      "replaced by a keyed hash before anything reaches the disk. Runs until Ctrl-C, then flushes and summarizes.");
  auto& o = f->o;
  cmd->add_option("--db", o.db_path, "SQLite store the recording goes to (created when missing)")->required();
  cmd->add_option("--upstream", o.upstream, "The system recorded, e.g. http://127.0.0.1:5000")->required();
  cmd->add_option("--listen", o.listen, "Address to listen on (loopback unless told otherwise)")->capture_default_str();
  cmd->add_option("--label", o.label, "Label of the recording");
  cmd->add_option("--visitor-key", o.visitor_key,
                  "What identifies a visitor: cookie:NAME or header:NAME; default: the credential header "
                  "(Authorization, X-API-Key), else the client connection");
  cmd->add_option("--redact-header", o.redact_headers, "Another header whose value is redacted (repeatable)");
  cmd->add_option("--redact-field", o.redact_fields,
                  "Another body field or query parameter name (substring, any case) that is redacted (repeatable)");
  cmd->add_option("--max-body", f->max_body, "Bodies are stored up to this size (the client always gets them whole)")
      ->capture_default_str();
  cmd->add_option("--upstream-timeout", f->upstream_timeout, "Answer 504 when the upstream is silent this long")
      ->capture_default_str();
  cmd->add_option("--threads", o.threads, "Proxy threads (0: one per core)")->capture_default_str();
  cmd->add_option("--ca-file", o.ca_file, "https upstream: also trust the certificates in this PEM file");
  cmd->add_flag("--insecure", o.insecure, "https upstream: do not verify its certificate (testing only)");
  cmd->add_option("--tls-cert", o.tls_cert, "Listen with TLS: the certificate chain (PEM)");
  cmd->add_option("--tls-key", o.tls_key, "Listen with TLS: the private key (PEM)");
  cmd->add_flag("--quiet", o.quiet, "Print nothing but errors");
  return [f] {
    auto options = f->o;
    options.max_body = parse_size(f->max_body, "--max-body");
    options.upstream_timeout = parse_duration(f->upstream_timeout, "--upstream-timeout");
    return recorder::record(options);
  };
}

Runner add_recordings_command(CLI::App& app) {
  struct Flags {
    std::string db;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("recordings", "List the recordings in a store: status, exchanges, visitors, bytes.");
  cmd->add_option("--db", f->db, "SQLite store")->required();
  cmd->add_flag("--json", f->json, "Print JSON instead of a table");
  return [f] { return recorder::list_recordings(f->db, f->json); };
}

}  // namespace aria::cli
