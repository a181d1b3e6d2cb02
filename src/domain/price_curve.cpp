#include <offpeak/domain/price_curve.hpp>

#include <algorithm>
#include <stdexcept>

namespace offpeak {

PriceCurve::PriceCurve(std::vector<PriceSlot> slots) : slots_(std::move(slots)) {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (!(slots_[i].start < slots_[i].end)) {
      throw std::invalid_argument("PriceCurve: slot " + format_rfc3339(slots_[i].start) +
                                  " has no positive length");
    }
    if (i > 0 && slots_[i].start < slots_[i - 1].end) {
      throw std::invalid_argument("PriceCurve: slot " + format_rfc3339(slots_[i].start) +
                                  " overlaps or is out of order");
    }
  }
}

std::optional<double> PriceCurve::price_at(Instant t) const {
  auto it = std::upper_bound(slots_.begin(), slots_.end(), t,
                             [](Instant v, const PriceSlot& s) { return v < s.start; });
  if (it == slots_.begin()) return std::nullopt;
  --it;
  if (t < it->end) return it->price_p_per_kwh;
  return std::nullopt;
}

PriceCurve PriceCurve::slice(Instant from, Instant to) const {
  PriceCurve out;
  if (!(from < to)) return out;
  auto it = std::upper_bound(slots_.begin(), slots_.end(), from,
                             [](Instant v, const PriceSlot& s) { return v < s.end; });
  for (; it != slots_.end() && it->start < to; ++it) {
    PriceSlot s = *it;
    s.start = std::max(s.start, from);
    s.end = std::min(s.end, to);
    if (s.start < s.end) out.slots_.push_back(s);
  }
  return out;
}

PriceCurve PriceCurve::merged() const {
  PriceCurve out;
  for (const auto& s : slots_) {
    if (!out.slots_.empty() && out.slots_.back().end == s.start &&
        out.slots_.back().price_p_per_kwh == s.price_p_per_kwh) {
      out.slots_.back().end = s.end;
    } else {
      out.slots_.push_back(s);
    }
  }
  return out;
}

PriceCurve PriceCurve::split(Seconds step) const {
  if (step.count() <= 0) return *this;
  PriceCurve out;
  for (const auto& s : slots_) {
    Instant cur = s.start;
    while (cur < s.end) {
      auto since = cur.time_since_epoch().count();
      auto step_n = step.count();
      auto floor_n = since >= 0 ? since / step_n : -((-since + step_n - 1) / step_n);
      Instant boundary{Seconds{(floor_n + 1) * step_n}};
      Instant end = std::min(boundary, s.end);
      out.slots_.push_back({cur, end, s.price_p_per_kwh});
      cur = end;
    }
  }
  return out;
}

Seconds PriceCurve::known_duration(Instant from, Instant to) const {
  Seconds total{0};
  const PriceCurve part = slice(from, to);
  for (const auto& s : part.slots_)
    total += s.end - s.start;
  return total;
}

Instant PriceCurve::known_until(Instant from) const {
  auto it = std::upper_bound(slots_.begin(), slots_.end(), from,
                             [](Instant v, const PriceSlot& s) { return v < s.end; });
  Instant cur = from;
  for (; it != slots_.end() && it->start <= cur; ++it)
    cur = it->end;
  return cur;
}

std::optional<Instant> PriceCurve::last_end() const {
  if (slots_.empty()) return std::nullopt;
  return slots_.back().end;
}

PriceCurve PriceCurve::filled_from(const PriceCurve& fallback, Instant from, Instant to) const {
  std::vector<PriceSlot> out;
  auto fill_gap = [&](Instant a, Instant b) {
    if (!(a < b)) return;
    const PriceCurve part = fallback.slice(a, b);
    for (const auto& s : part.slots_)
      out.push_back(s);
  };
  Instant cur = from;
  const PriceCurve own = slice(from, to);
  for (const auto& s : own.slots_) {
    fill_gap(cur, s.start);
    out.push_back(s);
    cur = s.end;
  }
  fill_gap(cur, to);
  return PriceCurve(std::move(out));
}

}  // namespace offpeak
