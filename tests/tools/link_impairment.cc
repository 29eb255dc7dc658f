#include "link_impairment.h"

namespace udp_impair {

LinkImpairment::LinkImpairment(const LinkProfile& profile, std::uint64_t seed)
    : profile_(profile), rng_(seed) {}

double LinkImpairment::uniform() {
  // The top 53 bits scaled by 2^-53: exact in a double, unlike std::uniform_real_distribution
  // whose algorithm is left to the library.
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
}

Verdict LinkImpairment::next() {
  const double loss_draw = uniform();
  const double duplicate_draw = uniform();
  const double reorder_draw = uniform();
  const double jitter_draw = uniform();
  Verdict verdict;
  verdict.drop = loss_draw < profile_.loss;
  verdict.copies = duplicate_draw < profile_.duplicate ? 2 : 1;
  verdict.hold = reorder_draw < profile_.reorder;
  verdict.delay =
      profile_.delay + std::chrono::microseconds(static_cast<std::int64_t>(
                           jitter_draw * static_cast<double>(profile_.jitter.count() + 1)));
  // jitter_draw < 1, so the jitter part is in [0, jitter] microseconds.
  return verdict;
}

}  // namespace udp_impair
