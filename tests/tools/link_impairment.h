// LinkImpairment: the seeded decisions for one direction of the relay, one verdict per datagram.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "impair_options.h"

namespace udp_impair {

// What happens to one arriving datagram.
struct Verdict {
  bool drop = false;  // lost: nothing is sent
  int copies = 1;     // 1, or 2 when duplicated
  bool hold = false;  // reorder: wait behind the next datagram of the same flow and direction
  std::chrono::microseconds delay{0};  // delay + this datagram's jitter draw
};

class LinkImpairment {
 public:
  LinkImpairment(const LinkProfile& profile, std::uint64_t seed);

  // Draws exactly four values per call (loss, duplicate, reorder, jitter) whatever the profile,
  // so the n-th datagram always gets the n-th draws: runs with the same seed and arrival order
  // are identical, and turning one impairment on does not shift another's decisions.
  Verdict next();

  const LinkProfile& profile() const { return profile_; }

 private:
  double uniform();  // [0, 1) with 53 bits, portable across standard libraries

  LinkProfile profile_;
  std::mt19937_64 rng_;
};

}  // namespace udp_impair
