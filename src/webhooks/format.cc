#include "webhooks/format.h"

#include <algorithm>

#include "base/check.h"

namespace refundd::webhooks {

void Formats::Add(std::unique_ptr<Format> format) {
  CHECK(format != nullptr);
  std::string name(format->dialect());
  CHECK(formats_.emplace(std::move(name), std::move(format)).second);  // one per dialect
}

const Format* Formats::Find(std::string_view dialect) const {
  auto it = formats_.find(dialect);
  return it == formats_.end() ? nullptr : it->second.get();
}

std::vector<const Format*> Formats::All() const {
  std::vector<const Format*> out;
  for (const auto& [name, format] : formats_) out.push_back(format.get());
  return out;
}

bool Wants(const std::vector<std::string>& enabled_events, std::string_view type) {
  if (enabled_events.empty()) return true;
  return std::any_of(enabled_events.begin(), enabled_events.end(),
                     [&](const std::string& e) { return e == "*" || e == type; });
}

}  // namespace refundd::webhooks
