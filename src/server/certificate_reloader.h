// CertificateReloader: keeps the QUIC listener's certificate current without a restart. It
// re-reads the contents of listeners.quic.cert and .key on SIGHUP and every
// cert_reload_interval (on Kubernetes the kubelet updates a mounted Secret's files in place and
// nothing sends a signal); a changed, valid pair serves new handshakes while open connections
// keep theirs (TlsServerContext::reloadCertificate). The paths themselves need a restart.
// Logs and counts every outcome; a failure is logged once, not at every interval, until the
// files change, a reload succeeds, or SIGHUP asks again. Main thread only.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "admin/metrics.h"
#include "core/event_loop.h"
#include "quic/ngtcp2/tls_server_context.h"

namespace mqttd {

class CertificateReloader {
 public:
  enum class Trigger {
    kSignal,    // SIGHUP: the operator asked, so every outcome is logged
    kInterval,  // the periodic check: logs changes only
  };

  CertificateReloader(EventLoop& loop, std::shared_ptr<TlsServerContext> tls, Metrics& metrics);
  CertificateReloader(const CertificateReloader&) = delete;
  CertificateReloader& operator=(const CertificateReloader&) = delete;

  // Logs the certificate loaded at start, sets the metrics, starts the periodic check.
  void start(std::chrono::milliseconds interval);
  // listeners.quic.cert_reload_interval: 0 stops the periodic check; a new value restarts it.
  void setInterval(std::chrono::milliseconds interval);
  // Re-reads the files now.
  void reload(Trigger trigger);

 private:
  void onTimer();

  std::shared_ptr<TlsServerContext> tls_;
  Metrics& metrics_;
  Timer timer_;
  std::chrono::milliseconds interval_{0};  // 0: only on SIGHUP
  // The failure logged last (message and the digests of the files' contents); empty when the
  // last reload succeeded or found the files unchanged.
  std::string last_failure_;
};

std::string_view toString(CertificateReloader::Trigger trigger);

}  // namespace mqttd
