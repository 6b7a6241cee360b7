// Each subcommand registers its flags on the app and returns the function that runs it.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace aria::cli {

using Runner = std::function<int()>;

// Throws aria::UsageError when the store a command reads does not exist: "--db x.db: no such file;
// replay into it first (aria-harness replay --db x.db)", `maker` naming the command that makes one.
void require_store(const std::string& path, std::string_view maker);

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
