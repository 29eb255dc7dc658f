#include "config/suggestion.h"

#include <algorithm>
#include <numeric>

namespace mqttd::config {

size_t editDistance(std::string_view a, std::string_view b) {
  // Optimal string alignment: three rows of the Wagner-Fischer matrix.
  std::vector<size_t> before(b.size() + 1), above(b.size() + 1), row(b.size() + 1);
  std::iota(above.begin(), above.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({above[j] + 1, row[j - 1] + 1, above[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        row[j] = std::min(row[j], before[j - 2] + 1);
    }
    std::swap(before, above);
    std::swap(above, row);
  }
  return above[b.size()];
}

std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates,
                                        size_t max_distance) {
  if (word.size() <= 3) max_distance = std::min<size_t>(max_distance, 1);
  std::optional<std::string> best;
  size_t best_distance = max_distance + 1;
  for (const std::string& c : candidates) {
    const size_t d = editDistance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace mqttd::config
