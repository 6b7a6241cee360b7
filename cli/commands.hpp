// Each subcommand registers its flags on the app and returns the function that runs it.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace aria::cli {

using Runner = std::function<int()>;

Runner add_mock_command(CLI::App& app);
Runner add_demo_command(CLI::App& app);
Runner add_record_command(CLI::App& app);
Runner add_recordings_command(CLI::App& app);
Runner add_import_har_command(CLI::App& app);
Runner add_export_har_command(CLI::App& app);
Runner add_replay_command(CLI::App& app);
Runner add_runs_command(CLI::App& app);
Runner add_synthesize_command(CLI::App& app);
Runner add_report_command(CLI::App& app);
Runner add_compare_command(CLI::App& app);
Runner add_trend_command(CLI::App& app);

}  // namespace aria::cli
