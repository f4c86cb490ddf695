#include "base/ids.h"

#include <sys/random.h>

#include <cerrno>

#include "base/check.h"

namespace refundd {

void RandomBytes(unsigned char* out, std::size_t n) {
  while (n > 0) {
    ssize_t got = getrandom(out, n, 0);
    if (got < 0 && errno == EINTR) continue;
    CHECK(got > 0);
    out += got;
    n -= static_cast<std::size_t>(got);
  }
}

namespace {
// Random bytes for ids from a per-thread pool refilled by getrandom() 4 KiB at a time: one system
// call per ~150 ids instead of one per id. The process never forks, so no two pools share bytes.
unsigned char NextRandomByte() {
  thread_local unsigned char pool[4096];
  thread_local std::size_t used = sizeof pool;
  if (used == sizeof pool) {
    RandomBytes(pool, sizeof pool);
    used = 0;
  }
  unsigned char b = pool[used];
  pool[used++] = 0;  // a byte is used once; wiping it keeps no copy of it behind
  return b;
}

// Rejection sampling keeps every character equally likely.
std::string RandomFrom(std::string_view alphabet, int length) {
  std::string out;
  out.reserve(static_cast<std::size_t>(length));
  const unsigned limit = 256 - (256 % alphabet.size());
  while (static_cast<int>(out.size()) < length) {
    unsigned char b = NextRandomByte();
    if (b >= limit) continue;
    out.push_back(alphabet[b % alphabet.size()]);
  }
  return out;
}
}  // namespace

std::string RandomId(std::string_view prefix, int length) {
  static constexpr std::string_view kBase62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string id(prefix);
  id += RandomFrom(kBase62, length);
  return id;
}

std::string SortableId(std::string_view prefix, int64_t now_ms, int random_length) {
  static constexpr std::string_view kBase62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  CHECK(now_ms >= 0);
  char time_part[8];
  uint64_t t = static_cast<uint64_t>(now_ms);
  for (int i = 7; i >= 0; --i) {
    time_part[i] = kBase62[t % 62];
    t /= 62;
  }
  std::string id(prefix);
  id.append(time_part, 8);
  id += RandomFrom(kBase62, random_length);
  return id;
}

std::string RandomDigits(int digits) {
  CHECK(digits > 0);
  return RandomFrom("123456789", 1) + RandomFrom("0123456789", digits - 1);
}

}  // namespace refundd
