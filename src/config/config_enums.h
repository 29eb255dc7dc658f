// Text forms of the enums in include/mqttd/config.h: the words written in gw.yaml, also used in
// log lines and metrics labels.
#pragma once

#include <array>
#include <string_view>

#include "mqttd/config.h"

namespace mqttd {

// "cubic", "bbr", "reno".
std::string_view toString(CongestionControl congestion);
// "never", "always", "auto".
std::string_view toString(RetryMode retry);

// "log", "file", "webhook", "exec".
std::string_view toString(HandlerType type);
// "forward", "tap", "local", "drop".
std::string_view toString(RouteAction action);
// "ignore", "disconnect".
std::string_view toString(DropPolicy policy);
// "clients", "broker".
std::string_view toString(RouteSource source);

// Every value, in the order the docs and error messages list them.
inline constexpr std::array kCongestionControls{CongestionControl::kCubic, CongestionControl::kBbr,
                                                CongestionControl::kReno};
inline constexpr std::array kRetryModes{RetryMode::kNever, RetryMode::kAlways, RetryMode::kAuto};
inline constexpr std::array kHandlerTypes{HandlerType::kLog, HandlerType::kFile,
                                          HandlerType::kWebhook, HandlerType::kExec};
inline constexpr std::array kRouteActions{RouteAction::kForward, RouteAction::kTap,
                                          RouteAction::kLocal, RouteAction::kDrop};
inline constexpr std::array kDropPolicies{DropPolicy::kIgnore, DropPolicy::kDisconnect};
inline constexpr std::array kRouteSources{RouteSource::kClients, RouteSource::kBroker};

}  // namespace mqttd
