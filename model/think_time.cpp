#include <algorithm>
#include <cmath>

#include "model/model.hpp"

namespace aria::model {

double ThinkTime::at(double u) const {
  if (!(u > 0)) u = 0;  // also NaN
  if (u > 1) u = 1;
  switch (kind) {
    case Kind::constant:
      return min_s;
    case Kind::uniform:
      return min_s + u * (max_s - min_s);
    case Kind::empirical: {
      if (quantiles_s.empty()) return 0;
      if (quantiles_s.size() == 1) return quantiles_s.front();
      // u falls between two neighbouring quantiles, which are 1 / (n - 1) apart.
      const double x = u * static_cast<double>(quantiles_s.size() - 1);
      const auto i = std::min(static_cast<std::size_t>(std::floor(x)), quantiles_s.size() - 2);
      const double frac = x - static_cast<double>(i);
      return quantiles_s[i] + frac * (quantiles_s[i + 1] - quantiles_s[i]);
    }
  }
  return min_s;
}

}  // namespace aria::model
