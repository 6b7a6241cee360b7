// Writing JSON for people and for the wire. Boost.JSON's own serializer writes 1.5 as "1.5E0";
// this writer prints numbers the shortest way that reads back the same ("1.5", "5", "1e-07").
#pragma once

#include <string>

#include <boost/json/value.hpp>

namespace aria::model {

// indent 0: compact, no spaces ({"a":[1,2]}). indent > 0: one member or item per line, nested
// by `indent` spaces; an array or a nested object that holds only scalars stays on one line when
// it fits in 100 columns ([200, 429], {"kind": "uniform", "min": 1, "max": 5}).
// Non-finite doubles, which JSON cannot hold, are written as null.
std::string format_json(const boost::json::value& v, int indent = 2);

}  // namespace aria::model
