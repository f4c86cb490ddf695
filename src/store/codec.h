#pragma once
// Text encodings the backends share for columns that hold structured values (metadata).

#include <string>
#include <vector>

#include "core/payment.h"

namespace refundd::store {

std::string EncodeMetadata(const core::Metadata& metadata);  // a JSON object of strings
core::Metadata DecodeMetadata(const std::string& text);      // CHECKs: the store wrote it

// Parts as "name=amount:captured:refunded:pending;..." and refund parts as "name=amount;...".
std::string EncodeParts(const std::vector<core::Part>& parts);
std::vector<core::Part> DecodeParts(const std::string& text);
std::string EncodePartAmounts(const std::vector<core::PartAmount>& parts);
std::vector<core::PartAmount> DecodePartAmounts(const std::string& text);

}  // namespace refundd::store
