#pragma once
// Did-you-mean for names a user typed (configuration keys): shared by the daemon's config
// loader and offpeak-connect-sim's.

#include <cstddef>
#include <initializer_list>
#include <string_view>

namespace offpeak {

// Levenshtein distance (insertions, deletions, substitutions of bytes).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The name in `known` closest to `typed` within two edits (the first of equals); empty when
// none is that close.
std::string_view closest_name(std::string_view typed,
                              std::initializer_list<std::string_view> known);

}  // namespace offpeak
