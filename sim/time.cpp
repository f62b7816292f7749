#include "sim/time.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>

namespace gilsim::sim {
namespace {

struct Unit {
  std::string_view name;
  Time scale;
};
constexpr Unit kUnits[] = {{"ns", kNanosecond},
                           {"us", kMicrosecond},
                           {"\xC2\xB5s", kMicrosecond},
                           {"ms", kMillisecond},
                           {"s", kSecond}};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

namespace {

// Exact decimal to integer nanoseconds: "1.234567ms" is 1234567 ns with no floating point.
// Returns false on syntax errors or overflow.
bool decimal_to_ns(std::string_view number, Time scale, Time& out) {
  bool negative = false;
  std::size_t i = 0;
  if (i < number.size() && (number[i] == '-' || number[i] == '+')) negative = number[i++] == '-';
  std::string digits;  // all significant digits, decimal point removed
  int point = -1;      // digits before the point
  for (; i < number.size(); ++i) {
    const char c = number[i];
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c == '.' && point < 0) {
      point = int(digits.size());
    } else {
      break;
    }
  }
  if (digits.empty()) return false;
  if (point < 0) point = int(digits.size());
  if (i < number.size()) {  // exponent
    if (number[i] != 'e' && number[i] != 'E') return false;
    ++i;
    bool eneg = false;
    if (i < number.size() && (number[i] == '-' || number[i] == '+')) eneg = number[i++] == '-';
    int e = 0;
    std::size_t start = i;
    for (; i < number.size() && number[i] >= '0' && number[i] <= '9'; ++i) {
      e = e * 10 + (number[i] - '0');
      if (e > 400) return false;
    }
    if (i == start || i != number.size()) return false;
    point += eneg ? -e : e;
  }
  // scale is a power of ten: fold it into the point position.
  for (Time k = scale; k > 1; k /= 10) ++point;
  // value = digits[0..point) . digits[point..), rounded half up to an integer.
  std::uint64_t v = 0;
  const std::uint64_t limit = std::uint64_t(std::numeric_limits<Time>::max());
  for (int d = 0; d < point; ++d) {
    const std::uint64_t digit =
        d < int(digits.size()) ? std::uint64_t(digits[std::size_t(d)] - '0') : 0;
    if (v > (limit - digit) / 10) return false;
    v = v * 10 + digit;
  }
  if (point >= 0 && point < int(digits.size()) && digits[std::size_t(point)] >= '5') {
    if (v == limit) return false;
    ++v;
  }
  out = negative ? -Time(v) : Time(v);
  return true;
}

}  // namespace

DurationParse parse_duration(std::string_view text, Time per_ns) {
  DurationParse out;
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  // Longest unit names first so that "ms" is not read as "s".
  const Unit* unit = nullptr;
  for (const Unit& u : kUnits) {
    if (ends_with(text, u.name) && (unit == nullptr || u.name.size() > unit->name.size()))
      unit = &u;
  }
  if (unit == nullptr) {
    out.error = "a duration needs a unit (ns, us, ms or s), as in \"5ms\"";
    return out;
  }
  std::string_view number = text.substr(0, text.size() - unit->name.size());
  while (!number.empty() && number.back() == ' ') number.remove_suffix(1);
  if (number.empty()) {
    out.error = "a duration needs a number before its unit, as in \"5ms\"";
    return out;
  }
  for (char c : number) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      if (c == 'e' || c == 'E') continue;  // an exponent, checked below
      out.error = "unknown unit in \"" + std::string(text) + "\" (use ns, us, ms or s)";
      return out;
    }
  }
  if (!decimal_to_ns(number, unit->scale * per_ns, out.value)) {
    out.error = "\"" + std::string(number) + "\" is not a number (or is out of range)";
    out.value = 0;
    return out;
  }
  out.ok = true;
  return out;
}

std::string format_duration(Time t) {
  if (t == 0) return "0s";
  std::string out = t < 0 ? "-" : "";
  // Magnitude as unsigned so that the most negative value does not overflow.
  const std::uint64_t m =
      t < 0 ? std::uint64_t(0) - static_cast<std::uint64_t>(t) : static_cast<std::uint64_t>(t);
  static constexpr struct {
    const char* name;
    std::uint64_t scale;
  } units[] = {{"s", 1'000'000'000}, {"ms", 1'000'000}, {"us", 1'000}};
  for (const auto& u : units) {
    if (m < u.scale) continue;
    // Integer part plus up to three decimals when exact; otherwise try a smaller unit.
    const std::uint64_t whole = m / u.scale;
    const std::uint64_t frac = m % u.scale;
    const std::uint64_t step = u.scale / 1000;
    if (frac % step != 0) continue;
    out.append(std::to_string(whole));
    if (frac != 0) {
      std::string digits = std::to_string(1000 + frac / step).substr(1);
      while (digits.back() == '0') digits.pop_back();
      out.append(".").append(digits);
    }
    return out.append(u.name);
  }
  return out.append(std::to_string(m)).append("ns");
}

std::string format_fine_duration(double ns) {
  const double ps = std::round(ns * 1000);
  if (std::fmod(ps, 1000) == 0) return format_duration(Time(ps / 1000));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.3f", ps / 1000);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  return s + "ns";
}

}  // namespace gilsim::sim
