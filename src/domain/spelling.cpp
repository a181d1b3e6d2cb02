#include <offpeak/domain/spelling.hpp>

#include <algorithm>
#include <vector>

namespace offpeak {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1] ? 1U : 0U)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string_view closest_name(std::string_view typed,
                              std::initializer_list<std::string_view> known) {
  std::string_view best;
  std::size_t best_d = 3;
  for (const auto k : known) {
    const auto d = edit_distance(typed, k);
    if (d < best_d) best_d = d, best = k;
  }
  return best;
}

}  // namespace offpeak
