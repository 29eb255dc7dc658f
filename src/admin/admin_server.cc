#include "admin/admin_server.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "core/event_loop.h"
#include "core/unique_fd.h"

namespace mqttd {
namespace {

void reply(evhttp_request* req, int code, const char* reason, const char* content_type,
           const std::string& body) {
  evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", content_type);
  evbuffer* buf = evbuffer_new();
  evbuffer_add(buf, body.data(), body.size());
  evhttp_send_reply(req, code, reason, buf);
  evbuffer_free(buf);
}

}  // namespace

Result<std::unique_ptr<AdminServer>, std::string> AdminServer::open(EventLoop& loop,
                                                                    const SocketAddress& address,
                                                                    Handlers handlers) {
  UniqueFd fd(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fail(std::string("admin socket: ") + std::strerror(errno));
  int one = 1;
  (void)setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), address.get(), address.size()) != 0 || ::listen(fd.get(), 64) != 0)
    return fail("cannot listen on " + address.toString() + ": " + std::strerror(errno));

  std::unique_ptr<AdminServer> self(new AdminServer(std::move(handlers)));
  self->bound_ = SocketAddress::localOf(fd.get());
  self->http_ = evhttp_new(loop.base());
  evhttp_set_allowed_methods(self->http_, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
  evhttp_set_timeout(self->http_, 10);
  evhttp_set_gencb(self->http_, &AdminServer::requestTrampoline, self.get());
  if (evhttp_accept_socket_with_handle(self->http_, fd.get()) == nullptr)
    return fail("cannot serve HTTP on " + address.toString());
  (void)fd.release();  // evhttp owns it now
  return self;
}

AdminServer::~AdminServer() {
  if (http_ != nullptr) evhttp_free(http_);
}

void AdminServer::requestTrampoline(evhttp_request* req, void* arg) {
  static_cast<AdminServer*>(arg)->handle(req);
}

void AdminServer::handle(evhttp_request* req) {
  const evhttp_uri* uri = evhttp_request_get_evhttp_uri(req);
  const char* path_c = uri != nullptr ? evhttp_uri_get_path(uri) : nullptr;
  const std::string path = path_c != nullptr ? path_c : "/";
  if (path == "/healthz") {
    reply(req, 200, "OK", "text/plain", "ok\n");
  } else if (path == "/readyz") {
    std::string why;
    const bool ready = handlers_.ready ? handlers_.ready(why) : true;
    if (ready)
      reply(req, 200, "OK", "text/plain", "ready" + (why.empty() ? "" : ": " + why) + "\n");
    else
      reply(req, 503, "Service Unavailable", "text/plain", "not ready: " + why + "\n");
  } else if (path == "/metrics") {
    reply(req, 200, "OK", "text/plain; version=0.0.4",
          handlers_.metrics ? handlers_.metrics() : std::string());
  } else if (path == "/connections") {
    reply(req, 200, "OK", "application/json",
          handlers_.connections ? handlers_.connections() : std::string("[]"));
  } else {
    reply(req, 404, "Not Found", "text/plain",
          "not found; try /healthz /readyz /metrics /connections\n");
  }
}

}  // namespace mqttd
