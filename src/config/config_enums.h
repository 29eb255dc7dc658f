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

// Every value, in the order the docs and error messages list them.
inline constexpr std::array kCongestionControls{CongestionControl::kCubic, CongestionControl::kBbr,
                                                CongestionControl::kReno};
inline constexpr std::array kRetryModes{RetryMode::kNever, RetryMode::kAlways, RetryMode::kAuto};

}  // namespace mqttd
