// Spelling suggestions for unknown keys and values ("did you mean 'address'?").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mqttd::config {

// Edit distance: insertions, deletions, substitutions and swaps of two adjacent characters each
// cost 1 (Levenshtein plus transpositions, "optimal string alignment").
size_t editDistance(std::string_view a, std::string_view b);

// The candidate nearest to `word` within `max_distance` edits (ties: the earliest candidate), or
// nothing. Words of up to 3 characters get at most one edit, so "ab" does not suggest "cd".
std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates,
                                        size_t max_distance = 2);

}  // namespace mqttd::config
