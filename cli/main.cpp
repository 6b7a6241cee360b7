// aria-harness: parse the command line, run one subcommand, map its errors to exit codes.
#include <cstdio>
#include <map>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "core/errors.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "aria-harness: record Aria traffic, synthesize user models from it, replay them at scale, and compare runs.\n"
      "Every command is one subcommand; `aria-harness SUBCOMMAND --help` explains its flags.\n\n"
      "Exit codes: 0 ok; 1 a threshold failed or a regression was found; 2 bad usage or input (nothing written);\n"
      "3 runtime failure (cannot bind a port, cannot open the store)."};
  app.set_version_flag("--version", "aria-harness " ARIA_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  // Each adder registers one subcommand (the newest on the app) and returns how to run it.
  std::map<const CLI::App*, aria::cli::Runner> runners;
  for (auto adder : {aria::cli::add_mock_command, aria::cli::add_record_command, aria::cli::add_recordings_command,
                     aria::cli::add_import_har_command, aria::cli::add_export_har_command, aria::cli::add_synthesize_command,
                     aria::cli::add_replay_command, aria::cli::add_runs_command, aria::cli::add_report_command,
                     aria::cli::add_compare_command, aria::cli::add_trend_command,
                     aria::cli::add_demo_command}) {
    auto runner = adder(app);
    runners[app.get_subcommands({}).back()] = std::move(runner);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "aria-harness: %s\nRun 'aria-harness --help' or 'aria-harness SUBCOMMAND --help'.\n",
                 e.what());
    return aria::kExitUsage;
  }

  try {
    for (auto* sub : app.get_subcommands())
      if (auto it = runners.find(sub); it != runners.end()) return it->second();
    return aria::kExitUsage;
  } catch (const aria::UsageError& e) {
    std::fprintf(stderr, "aria-harness: %s\n", e.what());
    return aria::kExitUsage;
  } catch (const aria::RuntimeFailure& e) {
    std::fprintf(stderr, "aria-harness: %s\n", e.what());
    return aria::kExitRuntime;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aria-harness: unexpected failure: %s\n", e.what());
    return aria::kExitRuntime;
  }
}
