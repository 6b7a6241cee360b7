#include "net/http_errors.hpp"

#include <boost/beast/http/error.hpp>

namespace aria::net {

int status_for_read_error(const boost::system::error_code& ec) {
  namespace http = boost::beast::http;
  if (ec.category() != http::make_error_code(http::error::end_of_stream).category()) return 0;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return 0;
  if (ec == http::error::header_limit) return 431;
  if (ec == http::error::body_limit) return 413;
  return 400;
}

}  // namespace aria::net
