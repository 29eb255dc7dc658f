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

std::string_view toString(HandlerType type) {
  switch (type) {
    case HandlerType::kLog: return "log";
    case HandlerType::kFile: return "file";
    case HandlerType::kWebhook: return "webhook";
    case HandlerType::kExec: return "exec";
  }
  return "unknown";
}

std::string_view toString(RouteAction action) {
  switch (action) {
    case RouteAction::kForward: return "forward";
    case RouteAction::kTap: return "tap";
    case RouteAction::kLocal: return "local";
    case RouteAction::kDrop: return "drop";
  }
  return "unknown";
}

std::string_view toString(DropPolicy policy) {
  switch (policy) {
    case DropPolicy::kIgnore: return "ignore";
    case DropPolicy::kDisconnect: return "disconnect";
  }
  return "unknown";
}

std::string_view toString(RouteSource source) {
  switch (source) {
    case RouteSource::kClients: return "clients";
    case RouteSource::kBroker: return "broker";
  }
  return "unknown";
}

}  // namespace mqttd
