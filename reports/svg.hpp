// Charts as inline SVG: the reports open offline, with no script or font from anywhere.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aria::reports {

struct Line {
  std::string name;   // in the legend (escaped here)
  std::string color;  // a CSS color, e.g. "#1f77b4"
  std::vector<double> y;
};

// Lines over a shared x axis (seconds of the run). Axes start at 0; ticks are round numbers;
// `unit` follows the y tick labels ("/s", " ms"). An empty chart says "no data".
std::string line_chart(std::string_view title, std::string_view unit, const std::vector<double>& x,
                       const std::vector<Line>& lines, int width = 760, int height = 240,
                       std::string_view x_unit = "s");

// Vertical bars, one per label, with the value over each bar.
std::string bar_chart(std::string_view title, const std::vector<std::string>& labels, const std::vector<double>& values,
                      std::string_view color, int width = 760, int height = 240);

// A round step for an axis from 0 to `max` in about `ticks` steps: 1, 2 or 5 times a power of ten.
double nice_step(double max, int ticks);

}  // namespace aria::reports
