#include "dialects/common/time_text.h"

#include <chrono>
#include <cstdio>

namespace refundd::dialects::common {

namespace {
namespace chr = std::chrono;

struct Parts {
  int year, month, day, hour, minute, second, millis;
};

Parts Split(int64_t unix_ms) {
  chr::sys_time<chr::milliseconds> tp{chr::milliseconds(unix_ms)};
  chr::sys_days days = chr::floor<chr::days>(tp);
  chr::year_month_day ymd{days};
  chr::hh_mm_ss<chr::milliseconds> t{tp - days};
  return Parts{static_cast<int>(ymd.year()),
               static_cast<int>(static_cast<unsigned>(ymd.month())),
               static_cast<int>(static_cast<unsigned>(ymd.day())),
               static_cast<int>(t.hours().count()),
               static_cast<int>(t.minutes().count()),
               static_cast<int>(t.seconds().count()),
               static_cast<int>(t.subseconds().count())};
}

// Reads exactly `n` digits at text[pos...].
bool Digits(std::string_view text, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}
}  // namespace

std::string Iso8601Millis(int64_t unix_ms) {
  Parts p = Split(unix_ms);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", p.year, p.month, p.day,
                p.hour, p.minute, p.second, p.millis);
  return buf;
}

std::string DateTimeSeconds(int64_t unix_ms) {
  Parts p = Split(unix_ms);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", p.year, p.month, p.day, p.hour,
                p.minute, p.second);
  return buf;
}

std::string MonthYear(int64_t unix_ms) {
  Parts p = Split(unix_ms);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d/%04d", p.month, p.year);
  return buf;
}

std::optional<int64_t> ParseIso8601UtcMs(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS is 19 characters, then an optional fraction, then Z.
  int year, month, day, hour, minute, second;
  if (text.size() < 20 || text.size() > 30) return std::nullopt;
  if (!Digits(text, 0, 4, year) || text[4] != '-' || !Digits(text, 5, 2, month) || text[7] != '-' ||
      !Digits(text, 8, 2, day) || text[10] != 'T' || !Digits(text, 11, 2, hour) ||
      text[13] != ':' || !Digits(text, 14, 2, minute) || text[16] != ':' ||
      !Digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  int64_t millis = 0;
  if (text[pos] == '.') {
    std::size_t start = ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (pos - start < 3) millis = millis * 10 + (text[pos] - '0');
      ++pos;
    }
    std::size_t n = pos - start;
    if (n == 0 || n > 9) return std::nullopt;
    for (std::size_t i = n; i < 3; ++i) millis *= 10;
  }
  if (pos + 1 != text.size() || text[pos] != 'Z') return std::nullopt;
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  chr::year_month_day ymd{chr::year(year), chr::month(static_cast<unsigned>(month)),
                          chr::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return std::nullopt;
  int64_t days = chr::sys_days(ymd).time_since_epoch().count();
  return ((days * 24 + hour) * 60 + minute) * 60 * 1000 + int64_t{second} * 1000 + millis;
}

}  // namespace refundd::dialects::common
