#include <gtest/gtest.h>

#include "model/model.hpp"

namespace aria::model {
namespace {

constexpr double kAlmostOne = 1 - 1e-12;

TEST(ThinkTime, ConstantIgnoresTheDraw) {
  ThinkTime t{ThinkTime::Kind::constant, 1.5, 0, {}};
  EXPECT_DOUBLE_EQ(t.at(0), 1.5);
  EXPECT_DOUBLE_EQ(t.at(0.5), 1.5);
  EXPECT_DOUBLE_EQ(t.at(kAlmostOne), 1.5);
}

TEST(ThinkTime, UniformIsLinearBetweenMinAndMax) {
  ThinkTime t{ThinkTime::Kind::uniform, 1, 5, {}};
  EXPECT_DOUBLE_EQ(t.at(0), 1);
  EXPECT_DOUBLE_EQ(t.at(0.5), 3);
  EXPECT_NEAR(t.at(kAlmostOne), 5, 1e-9);
  EXPECT_LT(t.at(kAlmostOne), 5);
}

TEST(ThinkTime, EmpiricalInterpolatesBetweenNeighbouringQuantiles) {
  // Quantiles at 0, 0.25, 0.5, 0.75, 1.
  ThinkTime t{ThinkTime::Kind::empirical, 0, 0, {0.5, 0.8, 1.2, 2.0, 4.0}};
  EXPECT_DOUBLE_EQ(t.at(0), 0.5);
  EXPECT_DOUBLE_EQ(t.at(0.5), 1.2);
  EXPECT_DOUBLE_EQ(t.at(0.125), 0.65);  // halfway between the first two
  EXPECT_DOUBLE_EQ(t.at(0.875), 3.0);   // halfway between the last two
  EXPECT_NEAR(t.at(kAlmostOne), 4.0, 1e-9);
}

TEST(ThinkTime, DrawsOutsideTheUnitIntervalAreClamped) {
  ThinkTime t{ThinkTime::Kind::uniform, 2, 8, {}};
  EXPECT_DOUBLE_EQ(t.at(-1), 2);
  EXPECT_DOUBLE_EQ(t.at(7), 8);
  ThinkTime e{ThinkTime::Kind::empirical, 0, 0, {1, 3}};
  EXPECT_DOUBLE_EQ(e.at(1), 3);
  EXPECT_DOUBLE_EQ(e.at(0.5), 2);
}

}  // namespace
}  // namespace aria::model
