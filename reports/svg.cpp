#include "reports/svg.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/text.hpp"

namespace aria::reports {
namespace {

std::string esc(std::string_view s) {
  std::string out;
  html_escape(out, s);
  return out;
}

// "12", "2.5", "0.05": as short as the step allows.
std::string tick_label(double v, double step) {
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step)));
  return fmt::format("{:.{}f}", v, decimals);
}

struct Frame {
  int width, height;
  double left = 56, right = 16, top = 28, bottom = 34;
  double plot_w() const { return width - left - right; }
  double plot_h() const { return height - top - bottom; }
};

std::string open_svg(const Frame& f, std::string_view title) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" "
      "role=\"img\" aria-label=\"{}\"><title>{}</title><text x=\"{}\" y=\"16\" class=\"chart-title\">{}</text>",
      f.width, f.height, f.width, f.height, esc(title), esc(title), f.left, esc(title));
}

// Horizontal grid lines and y labels from 0 to the axis top; returns the top.
double y_axis(std::string& svg, const Frame& f, double max, std::string_view unit) {
  const double step = nice_step(max, 4);
  const double top = std::max(step, std::ceil(max / step) * step);
  for (double v = 0; v <= top + step / 2; v += step) {
    const double y = f.top + f.plot_h() * (1 - v / top);
    svg += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" class=\"grid\"/>", f.left,
                       f.left + f.plot_w(), y, y);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"tick\" text-anchor=\"end\">{}{}</text>", f.left - 4,
                       y + 4, tick_label(v, step), esc(unit));
  }
  return top;
}

}  // namespace

double nice_step(double max, int ticks) {
  if (!(max > 0) || ticks < 1) return 1;
  const double raw = max / ticks;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * power >= raw) return m * power;
  return 10 * power;
}

std::string line_chart(std::string_view title, std::string_view unit, const std::vector<double>& x,
                       const std::vector<Line>& lines, int width, int height, std::string_view x_unit) {
  Frame f{width, height};
  std::string svg = open_svg(f, title);
  double max_y = 0;
  for (const auto& l : lines)
    for (double v : l.y) max_y = std::max(max_y, v);
  const double max_x = x.empty() ? 0 : *std::max_element(x.begin(), x.end());
  if (x.empty() || lines.empty()) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"empty\">no data</text></svg>", f.width / 2, f.height / 2);
    return svg;
  }
  const double top = y_axis(svg, f, max_y, unit);
  const double right = std::max(max_x, 1.0);
  // Seconds may tick at 0.5; run numbers (no unit) only at whole numbers.
  const double xstep = x_unit.empty() ? std::max(1.0, nice_step(right, 8)) : nice_step(right, 8);
  for (double v = 0; v <= right + xstep / 2; v += xstep) {
    const double px = f.left + f.plot_w() * v / right;
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"tick\" text-anchor=\"middle\">{}{}</text>", px,
                       f.top + f.plot_h() + 16, tick_label(v, xstep), esc(x_unit));
  }
  // The legend sits at the top right, clear of the title.
  double legend_width = 0;
  for (const auto& l : lines) legend_width += 28 + 7.0 * static_cast<double>(l.name.size());
  double legend_x = std::max(f.left + 7.0 * static_cast<double>(title.size()) + 24, f.width - f.right - legend_width);
  for (const auto& l : lines) {
    std::string points;
    for (std::size_t i = 0; i < x.size() && i < l.y.size(); ++i)
      points += fmt::format("{:.1f},{:.1f} ", f.left + f.plot_w() * x[i] / right,
                            f.top + f.plot_h() * (1 - l.y[i] / top));
    svg += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"/>", points,
                       esc(l.color));
    svg += fmt::format("<rect x=\"{:.1f}\" y=\"8\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{:.1f}\" y=\"17\" "
                       "class=\"legend\">{}</text>",
                       legend_x, esc(l.color), legend_x + 14, esc(l.name));
    legend_x += 28 + 7.0 * static_cast<double>(l.name.size());
  }
  svg += "</svg>";
  return svg;
}

std::string bar_chart(std::string_view title, const std::vector<std::string>& labels, const std::vector<double>& values,
                      std::string_view color, int width, int height) {
  Frame f{width, height};
  f.bottom = 48;
  std::string svg = open_svg(f, title);
  if (values.empty()) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"empty\">no data</text></svg>", f.width / 2, f.height / 2);
    return svg;
  }
  const double max_v = *std::max_element(values.begin(), values.end());
  const double top = y_axis(svg, f, max_v, "");
  const double slot = f.plot_w() / static_cast<double>(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double h = f.plot_h() * values[i] / top;
    const double x = f.left + slot * static_cast<double>(i);
    svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{}: "
                       "{:.0f}</title></rect>",
                       x + 1, f.top + f.plot_h() - h, std::max(slot - 2, 1.0), h, esc(color),
                       esc(i < labels.size() ? labels[i] : ""), values[i]);
    if (i < labels.size() && (values.size() <= 16 || i % 2 == 0))
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"tick\" text-anchor=\"end\" transform=\"rotate(-40 "
                         "{:.1f} {:.1f})\">{}</text>",
                         x + slot / 2, f.top + f.plot_h() + 12, x + slot / 2, f.top + f.plot_h() + 12, esc(labels[i]));
  }
  svg += "</svg>";
  return svg;
}

}  // namespace aria::reports
