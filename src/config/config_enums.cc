#include "config/config_enums.h"

namespace mqttd {

std::string_view toString(CongestionControl congestion) {
  switch (congestion) {
    case CongestionControl::kCubic: return "cubic";
    case CongestionControl::kBbr: return "bbr";
    case CongestionControl::kReno: return "reno";
  }
  return "unknown";
}

std::string_view toString(RetryMode retry) {
  switch (retry) {
    case RetryMode::kNever: return "never";
    case RetryMode::kAlways: return "always";
    case RetryMode::kAuto: return "auto";
  }
  return "unknown";
}

}  // namespace mqttd
