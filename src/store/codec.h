#pragma once
// Text encodings the backends share for columns that hold structured values (metadata).

#include <string>

#include "core/payment.h"

namespace refundd::store {

std::string EncodeMetadata(const core::Metadata& metadata);  // a JSON object of strings
core::Metadata DecodeMetadata(const std::string& text);      // CHECKs: the store wrote it

}  // namespace refundd::store
