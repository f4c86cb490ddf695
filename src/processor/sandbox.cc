#include "processor/sandbox.h"

#include <cctype>
#include <string>
#include <vector>

namespace refundd::processor {

std::string_view StateName(State state) {
  switch (state) {
    case State::kSucceeded:
      return "succeeded";
    case State::kFailed:
      return "failed";
    case State::kPending:
      return "pending";
    case State::kUnknown:
      return "unknown";
    case State::kNotFound:
      return "not_found";
  }
  return "unknown";
}

std::string_view ScenarioName(Scenario scenario) {
  switch (scenario) {
    case Scenario::kInstant:
      return "instant";
    case Scenario::kDecline:
      return "decline";
    case Scenario::kAsyncSuccess:
      return "async_success";
    case Scenario::kAsyncFailure:
      return "async_failure";
    case Scenario::kLateFailure:
      return "late_failure";
    case Scenario::kStuck:
      return "stuck";
    case Scenario::kTimeout:
      return "timeout";
  }
  return "instant";
}

namespace {

// Test cards: BIN 400000 and these last four digits (all pass the Luhn check). 5126 is Stripe's
// own card for a refund that fails after it succeeded.
struct TestCard {
  std::string_view last4;
  Scenario scenario;
};
constexpr std::string_view kTestBin = "400000";
constexpr TestCard kTestCards[] = {
    {"5100", Scenario::kInstant},      {"5126", Scenario::kLateFailure},
    {"5134", Scenario::kDecline},      {"5142", Scenario::kAsyncSuccess},
    {"5159", Scenario::kAsyncFailure}, {"5167", Scenario::kStuck},
    {"5175", Scenario::kTimeout},
};

// Test words: the word after "refund" in the instrument, split into lower-case words at '_', '-',
// ' ', '.' and at a lower-to-upper case change ("pm_card_refundAsyncFail" -> pm card refund async
// fail). Longer matches first.
struct TestWords {
  std::vector<std::string_view> words;
  Scenario scenario;
};
const std::vector<TestWords>& Words() {
  static const std::vector<TestWords> kWords = {
      {{"async", "fail"}, Scenario::kAsyncFailure},
      {{"async"}, Scenario::kAsyncSuccess},
      {{"decline"}, Scenario::kDecline},
      {{"fail"}, Scenario::kLateFailure},
      {{"stuck"}, Scenario::kStuck},
      {{"timeout"}, Scenario::kTimeout},
      {{"instant"}, Scenario::kInstant},
  };
  return kWords;
}

std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  char previous = 0;
  for (char c : text) {
    const bool separator = c == '_' || c == '-' || c == ' ' || c == '.';
    const bool camel_break = std::islower(static_cast<unsigned char>(previous)) &&
                             std::isupper(static_cast<unsigned char>(c));
    if ((separator || camel_break) && !word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
    if (!separator) word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    previous = c;
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

std::optional<Scenario> ScenarioForWords(std::string_view instrument) {
  const std::vector<std::string> words = SplitWords(instrument);
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (words[i] != "refund") continue;
    for (const TestWords& t : Words()) {
      if (i + 1 + t.words.size() > words.size()) continue;
      bool match = true;
      for (std::size_t j = 0; j < t.words.size(); ++j) {
        if (words[i + 1 + j] != t.words[j]) {
          match = false;
          break;
        }
      }
      if (match) return t.scenario;
    }
  }
  return std::nullopt;
}

}  // namespace

Scenario ScenarioFor(const Order& order) {
  if (order.card_bin == kTestBin) {
    for (const TestCard& card : kTestCards) {
      if (card.last4 == order.card_last4) return card.scenario;
    }
  }
  if (auto s = ScenarioForWords(order.instrument)) return *s;
  return order.asynchronous ? Scenario::kAsyncSuccess : Scenario::kInstant;
}

Answer Evaluate(Scenario scenario, int64_t created_ms, int64_t now_ms,
                const SandboxOptions& options) {
  const int64_t settles_ms = created_ms + options.settle_delay_ms;
  const bool settled = now_ms >= settles_ms;
  switch (scenario) {
    case Scenario::kInstant:
      return Answer{State::kSucceeded, "", 0};
    case Scenario::kDecline:
      return Answer{State::kFailed, "declined", 0};
    case Scenario::kAsyncSuccess:
      return settled ? Answer{State::kSucceeded, "", 0} : Answer{State::kPending, "", settles_ms};
    case Scenario::kAsyncFailure:
      return settled ? Answer{State::kFailed, "lost_or_stolen_card", 0}
                     : Answer{State::kPending, "", settles_ms};
    case Scenario::kLateFailure:
      return settled ? Answer{State::kFailed, "expired_or_canceled_card", 0}
                     : Answer{State::kSucceeded, "", settles_ms};
    case Scenario::kStuck:
      return Answer{State::kPending, "", now_ms + options.stuck_recheck_ms};
    case Scenario::kTimeout:
      return settled ? Answer{State::kSucceeded, "", 0} : Answer{State::kUnknown, "", settles_ms};
  }
  return Answer{State::kUnknown, "", now_ms + options.settle_delay_ms};
}

std::optional<Answer> SandboxProcessor::Instant(const Order& order, int64_t now_ms) const {
  return Decide(order, now_ms);
}

Answer SandboxProcessor::Submit(const Order& order, int64_t now_ms) {
  return Decide(order, now_ms);
}

Answer SandboxProcessor::Lookup(const Order& order, int64_t now_ms) {
  return Decide(order, now_ms);
}

Answer SandboxProcessor::Decide(const Order& order, int64_t now_ms) const {
  return Evaluate(ScenarioFor(order), order.created_ms, now_ms, options_);
}

}  // namespace refundd::processor
