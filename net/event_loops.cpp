#include "net/event_loops.hpp"

#include <fmt/format.h>

#include "core/errors.hpp"

namespace aria::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::unique_ptr<tcp::acceptor> open_acceptor(asio::io_context& ioc, const Endpoint& ep, std::string_view advice) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(ep.host == "localhost" ? "127.0.0.1" : ep.host, ec);
  if (ec)
    throw UsageError(fmt::format("cannot listen on '{}': not an IP address; use 127.0.0.1, ::1 or 0.0.0.0", ep.host));
  auto acceptor = std::make_unique<tcp::acceptor>(ioc);
  const tcp::endpoint endpoint(address, ep.port);
  auto fail = [&](const char* step) {
    return RuntimeFailure(fmt::format("cannot listen on {}:{}: {} failed: {}; {}", ep.host, ep.port, step, ec.message(),
                                      advice));
  };
  acceptor->open(endpoint.protocol(), ec);
  if (ec) throw fail("open");
  acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  acceptor->bind(endpoint, ec);
  if (ec) throw fail("bind");
  acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw fail("listen");
  return acceptor;
}

}  // namespace aria::net
