#include "service/execute.h"

#include <type_traits>
#include <utility>

#include "service/lifecycle.h"

namespace refundd::service {

namespace {

// Where one step of a command leaves it.
enum class Step { kGo, kRefused, kStoreFailed, kRetry };

class Run {
 public:
  Run(store::WriteTx& tx, const Command& command, int64_t now_ms, LifecycleTx* lifecycle)
      : tx_(tx), c_(command), now_(now_ms), lifecycle_(lifecycle) {
    out_.now_ms = now_ms;
    out_.values = command.values;
    aliases_ = command.aliases;
  }

  Result<Outcome, ExecError> Go() {
    Step s = Lookups();
    if (s == Step::kGo) s = std::visit([this](const auto& op) { return Do(op); }, c_.op);
    switch (s) {
      case Step::kGo:
      case Step::kRefused:
        return std::move(out_);
      case Step::kStoreFailed:
        return Err(ExecError::kStore);
      case Step::kRetry:
        return Err(ExecError::kRetry);
    }
    return Err(ExecError::kStore);
  }

 private:
  Step Refuse(Refusal r) {
    out_.refusal = std::move(r);
    out_.payment.reset();
    out_.refund.reset();
    out_.endpoint.reset();
    return Step::kRefused;
  }

  Step Lookups() {
    found_.reserve(c_.lookups.size());
    for (const Lookup& l : c_.lookups) {
      auto v = tx_.FindAlias(c_.merchant_id, l.kind, l.alias);
      if (!v.ok()) return Step::kStoreFailed;
      found_.push_back(std::move(v).value());
    }
    return Step::kGo;
  }

  // The internal id a Ref names ("" when it names nothing).
  Step Resolve(const Ref& ref, std::string& id) {
    if (!ref.id.empty()) {
      id = ref.id;
      return Step::kGo;
    }
    if (ref.alias.empty()) return Step::kGo;
    auto v = tx_.FindAlias(c_.merchant_id, ref.alias_kind, ref.alias);
    if (!v.ok()) return Step::kStoreFailed;
    id = v.value().value_or("");
    return Step::kGo;
  }

  Step LoadPayment(const Ref& ref, core::Payment& out) {
    std::optional<core::Payment> found;
    if (Step s = FindPayment(ref, found); s != Step::kGo) return s;
    if (!found) return Refuse(Refusal::NotFound("payment"));
    out = std::move(*found);
    return Step::kGo;
  }

  // The payment `ref` names (locked), or nullopt.
  Step FindPayment(const Ref& ref, std::optional<core::Payment>& out) {
    std::string id;
    if (Step s = Resolve(ref, id); s != Step::kGo) return s;
    if (id.empty()) return Step::kGo;
    auto p = tx_.LoadPaymentForUpdate(c_.merchant_id, id);
    if (!p.ok()) return Step::kStoreFailed;
    if (p.value() && p.value()->dialect == c_.dialect) out = std::move(*p.value());
    return Step::kGo;
  }

  // A refund of the command's dialect and its payment (locked).
  Step LoadRefund(const Ref& ref, core::Refund& refund, core::Payment& payment) {
    std::string id;
    if (Step s = Resolve(ref, id); s != Step::kGo) return s;
    if (id.empty()) return Refuse(Refusal::NotFound("refund"));
    auto r = tx_.LoadRefund(c_.merchant_id, id);
    if (!r.ok()) return Step::kStoreFailed;
    if (!r.value() || r.value()->dialect != c_.dialect) return Refuse(Refusal::NotFound("refund"));
    refund = std::move(*r.value());
    auto p = tx_.LoadPaymentForUpdate(c_.merchant_id, refund.payment_id);
    if (!p.ok()) return Step::kStoreFailed;
    // A refund whose payment is gone is damaged data, not a bug of this request.
    if (!p.value()) return Step::kStoreFailed;
    payment = std::move(*p.value());
    return Step::kGo;
  }

  Draft MakeDraft(core::Payment* p, core::Refund* r, core::RefundRequest* q,
                  core::WebhookEndpoint* e) {
    return Draft{now_, &found_, p, r, q, e, &aliases_, &out_.values};
  }

  Step RunHook(const Hook& hook, Draft draft) {
    if (!hook) return Step::kGo;
    std::optional<Refusal> refused = hook(draft);
    return refused ? Refuse(std::move(*refused)) : Step::kGo;
  }

  // Every alias to write must be free (or allowed to exist). Checked before any write, so that a
  // refusal leaves nothing behind.
  Step CheckAliases() {
    for (const AliasWrite& a : aliases_) {
      if (a.keep_existing) continue;
      auto v = tx_.FindAlias(c_.merchant_id, a.kind, a.alias);
      if (!v.ok()) return Step::kStoreFailed;
      if (!v.value()) continue;
      if (a.minted) return Step::kRetry;
      return Refuse(Refusal::Taken(a.kind));
    }
    return Step::kGo;
  }

  Step WriteAliases() {
    for (const AliasWrite& a : aliases_) {
      std::string target;
      switch (a.to) {
        case AliasWrite::To::kPayment:
          CHECK(out_.payment.has_value());
          target = out_.payment->id;
          break;
        case AliasWrite::To::kRefund:
          CHECK(out_.refund.has_value());
          target = out_.refund->id;
          break;
        case AliasWrite::To::kValue:
          target = a.value;
          break;
      }
      auto inserted = tx_.InsertAlias(store::Alias{c_.merchant_id, a.kind, a.alias, target});
      if (!inserted.ok()) return Step::kStoreFailed;
      // Free when checked in this transaction; taken since only by another node's concurrent
      // write. Running again sees it, and refuses or mints anew.
      if (!inserted.value() && !a.keep_existing) return Step::kRetry;
    }
    return Step::kGo;
  }

  Step SavePayment(const core::Payment& p, bool insert) {
    auto saved = insert ? tx_.InsertPayment(p) : tx_.UpdatePayment(p);
    if (!saved.ok()) return Step::kStoreFailed;
    CHECK(saved.value());  // inserted with a fresh id, or loaded in this same transaction
    return Step::kGo;
  }

  Step SaveRefund(const core::Refund& r, bool insert) {
    auto saved = insert ? tx_.InsertRefund(r) : tx_.UpdateRefund(r);
    if (!saved.ok()) return Step::kStoreFailed;
    if (!saved.value()) return Step::kStoreFailed;  // the store refused it (kConstraint)
    return Step::kGo;
  }

  // The common tail: aliases checked, then every write.
  template <typename Writes>
  Step Commit(Writes writes) {
    if (Step s = CheckAliases(); s != Step::kGo) return s;
    if (Step s = writes(); s != Step::kGo) return s;
    return WriteAliases();
  }

  Step Do(const CreatePayment& op) {
    core::Payment p = op.payment;
    if (Step s = RunHook(c_.prepare, MakeDraft(&p, nullptr, nullptr, nullptr)); s != Step::kGo)
      return s;
    if (Step s = RunHook(c_.finish, MakeDraft(&p, nullptr, nullptr, nullptr)); s != Step::kGo)
      return s;
    CHECK(p.Consistent());  // built by the dialect
    out_.payment = p;
    return Commit([&] { return SavePayment(*out_.payment, /*insert=*/true); });
  }

  template <typename Rule>
  Step ChangePayment(const Ref& ref, Rule rule) {
    core::Payment p;
    if (Step s = LoadPayment(ref, p); s != Step::kGo) return s;
    return ChangeLoaded(std::move(p), rule);
  }

  template <typename Rule>
  Step ChangeLoaded(core::Payment p, Rule rule) {
    if (Step s = RunHook(c_.prepare, MakeDraft(&p, nullptr, nullptr, nullptr)); s != Step::kGo)
      return s;
    bool changed = true;
    if (auto r = rule(p, changed); !r.ok()) return Refuse(Refusal::Rule(r.error()));
    if (Step s = RunHook(c_.finish, MakeDraft(&p, nullptr, nullptr, nullptr)); s != Step::kGo)
      return s;
    out_.payment = std::move(p);
    return Commit([&] { return changed ? SavePayment(*out_.payment, false) : Step::kGo; });
  }

  Step Do(const ConfirmPayment& op) {
    return ChangePayment(op.payment, [&](core::Payment& p, bool& changed) {
      if (op.captured_is_done && p.status == core::PaymentStatus::kCaptured) {
        changed = false;
        return Result<core::Unit, core::Refusal>(core::Unit{});
      }
      const bool capture_now =
          op.capture_by_method ? p.capture_method == "automatic" : op.capture_now;
      auto r = core::ConfirmPayment(p, capture_now, now_);
      if (r.ok() && !op.payment_method.empty()) p.payment_method = op.payment_method;
      return r;
    });
  }

  Step Do(const CapturePayment& op) {
    return ChangePayment(op.payment, [&](core::Payment& p, bool&) {
      return core::CapturePayment(p, op.amount_minor, now_);
    });
  }

  Step Do(const VoidPayment& op) {
    return ChangePayment(op.payment, [&](core::Payment& p, bool&) {
      auto r = core::VoidPayment(p, now_);
      if (r.ok()) p.cancellation_reason = op.reason;
      return r;
    });
  }

  Step Do(const TouchPayment& op) {
    return ChangePayment(op.payment, [&](core::Payment& p, bool&) {
      p.updated_ms = now_;
      return Result<core::Unit, core::Refusal>(core::Unit{});
    });
  }

  Step Do(const CreateRefund& op) {
    std::optional<core::Payment> found;
    if (Step s = FindPayment(op.payment, found); s != Step::kGo) return s;
    const bool create = !found && op.create_payment && !op.payment.alias.empty();
    if (!found && !create) return Refuse(Refusal::NotFound("payment"));
    if (create) {
      found = op.create_payment;
      found->merchant_id = c_.merchant_id;
      found->dialect = c_.dialect;
      CHECK(found->Consistent());  // built by the dialect
      aliases_.push_back(AliasWrite{op.payment.alias_kind, op.payment.alias,
                                    AliasWrite::To::kPayment, "", false, false});
    }
    core::Payment payment = std::move(*found);
    if (op.void_uncaptured && payment.status == core::PaymentStatus::kAuthorized) {
      return ChangeLoaded(std::move(payment),
                          [&](core::Payment& p, bool&) { return core::VoidPayment(p, now_); });
    }
    core::Refund refund = op.refund;
    refund.status = op.initial_status;  // prepare may change it
    core::RefundRequest request = op.request;
    if (Step s = RunHook(c_.prepare, MakeDraft(&payment, &refund, &request, nullptr));
        s != Step::kGo)
      return s;
    auto plan = core::DecideRefund(payment, request);
    if (!plan.ok()) {
      Refusal r = Refusal::Rule(plan.error());
      r.payment = std::move(payment);
      return Refuse(std::move(r));
    }
    refund.merchant_id = c_.merchant_id;
    refund.payment_id = payment.id;
    refund.dialect = c_.dialect;
    refund.currency = payment.currency;
    refund.amount_minor = plan.value().amount_minor;
    refund.parts = plan.value().parts;
    refund.failure_reason.clear();
    refund.created_ms = refund.updated_ms = now_;
    // Under the lifecycle the processor decides how the refund starts (lifecycle.h); a
    // synchronous decline is created and failed at once, so its hold is released in the same
    // transaction.
    if (lifecycle_) {
      Lifecycle::Decision d = lifecycle_->lifecycle().DecideNew(payment, refund, now_);
      refund.status = d.status;
      refund.failure_reason = d.failure_reason;
      lifecycle_->Schedule(refund.merchant_id, refund.id, std::move(d.action));
    }
    const bool declined = refund.status == core::RefundStatus::kFailed;
    core::ApplyNewRefund(payment, plan.value(),
                         declined ? core::RefundStatus::kPending : refund.status, now_);
    if (declined) {
      refund.status = core::RefundStatus::kPending;
      CHECK(core::TransitionRefund(payment, refund, core::RefundStatus::kFailed, now_).ok());
    }
    if (Step s = RunHook(c_.finish, MakeDraft(&payment, &refund, &request, nullptr));
        s != Step::kGo)
      return s;
    out_.payment = std::move(payment);
    out_.refund = std::move(refund);
    return Commit([&] {
      // A created payment goes first: a refund is inserted only against a payment the
      // transaction holds (store.h).
      if (create) {
        if (Step s = SavePayment(*out_.payment, /*insert=*/true); s != Step::kGo) return s;
        return SaveRefund(*out_.refund, /*insert=*/true);
      }
      if (Step s = SaveRefund(*out_.refund, /*insert=*/true); s != Step::kGo) return s;
      return SavePayment(*out_.payment, false);
    });
  }

  Step Do(const TransitionRefund& op) {
    core::Refund refund;
    core::Payment payment;
    if (Step s = LoadRefund(op.refund, refund, payment); s != Step::kGo) return s;
    if (Step s = RunHook(c_.prepare, MakeDraft(&payment, &refund, nullptr, nullptr));
        s != Step::kGo)
      return s;
    bool changed = true;
    if (op.already_is_done && refund.status == op.to) {
      changed = false;
    } else {
      auto moved = core::TransitionRefund(payment, refund, op.to, now_);
      if (!moved.ok()) return Refuse(Refusal::Rule(moved.error()));
      if (op.to == core::RefundStatus::kFailed) refund.failure_reason = op.failure_reason;
    }
    if (Step s = RunHook(c_.finish, MakeDraft(&payment, &refund, nullptr, nullptr));
        s != Step::kGo)
      return s;
    out_.payment = std::move(payment);
    out_.refund = std::move(refund);
    return Commit([&] {
      if (!changed) return Step::kGo;
      if (Step s = SaveRefund(*out_.refund, false); s != Step::kGo) return s;
      return SavePayment(*out_.payment, false);
    });
  }

  Step Do(const UpdateRefund& op) {
    core::Refund refund;
    core::Payment payment;
    if (Step s = LoadRefund(op.refund, refund, payment); s != Step::kGo) return s;
    if (Step s = RunHook(c_.prepare, MakeDraft(&payment, &refund, nullptr, nullptr));
        s != Step::kGo)
      return s;
    for (const auto& [k, v] : op.metadata_patch) {
      if (v.empty()) {
        refund.metadata.erase(k);
      } else {
        refund.metadata[k] = v;
      }
    }
    refund.updated_ms = now_;
    if (Step s = RunHook(c_.finish, MakeDraft(&payment, &refund, nullptr, nullptr));
        s != Step::kGo)
      return s;
    out_.payment = std::move(payment);
    out_.refund = std::move(refund);
    return Commit([&] { return SaveRefund(*out_.refund, false); });
  }

  Step Do(const RecordAliases&) {
    if (Step s = RunHook(c_.prepare, MakeDraft(nullptr, nullptr, nullptr, nullptr));
        s != Step::kGo)
      return s;
    if (Step s = RunHook(c_.finish, MakeDraft(nullptr, nullptr, nullptr, nullptr));
        s != Step::kGo)
      return s;
    return Commit([] { return Step::kGo; });
  }

  Step Do(const CreateEndpoint& op) {
    core::WebhookEndpoint e = op.endpoint;
    e.merchant_id = c_.merchant_id;
    e.dialect = c_.dialect;
    if (Step s = RunHook(c_.prepare, MakeDraft(nullptr, nullptr, nullptr, &e)); s != Step::kGo)
      return s;
    out_.endpoint = std::move(e);
    return Commit([&] {
      auto inserted = tx_.InsertWebhookEndpoint(*out_.endpoint);
      if (!inserted.ok() || !inserted.value()) return Step::kStoreFailed;
      return Step::kGo;
    });
  }

  Step LoadEndpoint(const std::string& id, core::WebhookEndpoint& out) {
    auto e = tx_.LoadWebhookEndpoint(c_.merchant_id, id);
    if (!e.ok()) return Step::kStoreFailed;
    if (!e.value() || e.value()->dialect != c_.dialect) {
      return Refuse(Refusal::NotFound("endpoint"));
    }
    out = std::move(*e.value());
    return Step::kGo;
  }

  Step Do(const UpdateEndpoint& op) {
    core::WebhookEndpoint e;
    if (Step s = LoadEndpoint(op.endpoint_id, e); s != Step::kGo) return s;
    if (Step s = RunHook(c_.prepare, MakeDraft(nullptr, nullptr, nullptr, &e)); s != Step::kGo)
      return s;
    out_.endpoint = std::move(e);
    return Commit([&] {
      auto saved = tx_.UpdateWebhookEndpoint(*out_.endpoint);
      if (!saved.ok() || !saved.value()) return Step::kStoreFailed;
      return Step::kGo;
    });
  }

  Step Do(const DeleteEndpoint& op) {
    core::WebhookEndpoint e;
    if (Step s = LoadEndpoint(op.endpoint_id, e); s != Step::kGo) return s;
    if (Step s = RunHook(c_.prepare, MakeDraft(nullptr, nullptr, nullptr, &e)); s != Step::kGo)
      return s;
    out_.endpoint = std::move(e);
    return Commit([&] {
      auto deleted = tx_.DeleteWebhookEndpoint(c_.merchant_id, op.endpoint_id);
      if (!deleted.ok() || !deleted.value()) return Step::kStoreFailed;
      return Step::kGo;
    });
  }

  store::WriteTx& tx_;
  const Command& c_;
  const int64_t now_;
  LifecycleTx* lifecycle_;
  Outcome out_;
  std::vector<std::optional<std::string>> found_;
  std::vector<AliasWrite> aliases_;
};

}  // namespace

Result<Outcome, ExecError> Execute(store::WriteTx& tx, const Command& command, int64_t now_ms,
                                   LifecycleTx* lifecycle) {
  return Run(tx, command, now_ms, lifecycle).Go();
}

}  // namespace refundd::service
