// What a server answers when reading a request failed.
#pragma once

#include <boost/system/error_code.hpp>

namespace aria::net {

// 431 for oversized headers, 413 for an oversized body, 400 for any other malformed request;
// 0 when the client just went away, idled out or closed mid-message (nothing to answer).
int status_for_read_error(const boost::system::error_code& ec);

}  // namespace aria::net
