#include "server/certificate_reloader.h"

#include <ctime>

#include "core/log.h"

namespace mqttd {
namespace {

// notAfter as ISO 8601 UTC, e.g. 2026-03-01T12:00:00Z.
std::string utcTime(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  if (std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) return std::to_string(t);
  return buf;
}

}  // namespace

std::string_view toString(CertificateReloader::Trigger trigger) {
  return trigger == CertificateReloader::Trigger::kSignal ? "SIGHUP" : "interval";
}

CertificateReloader::CertificateReloader(EventLoop& loop, std::shared_ptr<TlsServerContext> tls,
                                         Metrics& metrics)
    : tls_(std::move(tls)), metrics_(metrics), timer_(loop, [this] { onTimer(); }) {}

void CertificateReloader::start(std::chrono::milliseconds interval) {
  const auto in_force = tls_->certificate();
  metrics_.setCertificateNotAfter(in_force->notAfter());
  Log::info("certificate loaded", {{"cert", tls_->certFile()},
                                   {"subject", in_force->subject()},
                                   {"not_after", utcTime(in_force->notAfter())},
                                   {"reload_interval_ms", std::to_string(interval.count())}});
  setInterval(interval);
}

void CertificateReloader::setInterval(std::chrono::milliseconds interval) {
  if (interval == interval_ && (timer_.pending() || interval.count() == 0)) return;
  interval_ = interval;
  timer_.stop();
  if (interval_.count() > 0) timer_.start(interval_);
}

void CertificateReloader::onTimer() {
  reload(Trigger::kInterval);
  if (interval_.count() > 0) timer_.start(interval_);
}

void CertificateReloader::reload(Trigger trigger) {
  const std::string why(toString(trigger));
  auto reloaded = tls_->reloadCertificate();
  if (!reloaded) {
    metrics_.addCertificateReload(CertificateReload::kError);
    const std::string failure = reloaded.error().message + reloaded.error().contents;
    // The same broken files at every interval: one line, not one a minute.
    if (trigger == Trigger::kSignal || failure != last_failure_)
      Log::warn("certificate reload failed; still serving the previous certificate",
                {{"trigger", why},
                 {"error", reloaded.error().message},
                 {"not_after", utcTime(tls_->certificate()->notAfter())}});
    last_failure_ = failure;
    return;
  }
  const bool recovered = !last_failure_.empty();
  last_failure_.clear();
  if (*reloaded == TlsServerContext::Reload::kUnchanged) {
    // Quiet at each interval; said when asked, and when the files are back after a failure.
    if (trigger == Trigger::kSignal || recovered)
      Log::info("certificate unchanged", {{"trigger", why}, {"cert", tls_->certFile()}});
    return;
  }
  const auto in_force = tls_->certificate();
  metrics_.setCertificateNotAfter(in_force->notAfter());
  metrics_.addCertificateReload(CertificateReload::kOk);
  Log::info("certificate reloaded; new handshakes use it, open connections keep theirs",
            {{"trigger", why},
             {"cert", tls_->certFile()},
             {"key", tls_->keyFile()},
             {"subject", in_force->subject()},
             {"not_after", utcTime(in_force->notAfter())}});
}

}  // namespace mqttd
