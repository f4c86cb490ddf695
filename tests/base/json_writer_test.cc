// Proves the response writer emits valid JSON: commas, nesting, escapes and nulls.
#include "base/json_writer.h"

#include <gtest/gtest.h>

namespace refundd {
namespace {

TEST(JsonWriter, WritesNestedObjectsAndArrays) {
  JsonWriter w;
  w.BeginObject().Key("a").Int(1).Key("b").BeginArray().Int(-2).String("x").Null().EndArray();
  w.Key("c").BeginObject().EndObject().Key("d").Bool(true).Key("e").StringOrNull("").EndObject();
  EXPECT_EQ(w.Take(), R"({"a":1,"b":[-2,"x",null],"c":{},"d":true,"e":null})");
}

TEST(JsonWriter, EscapesWhatJsonRequires) {
  JsonWriter w;
  w.BeginObject().Key("k\"\\").String("line\nquote\"tab\t\x01 é").EndObject();
  EXPECT_EQ(w.Take(), "{\"k\\\"\\\\\":\"line\\nquote\\\"tab\\t\\u0001 é\"}");
}

}  // namespace
}  // namespace refundd
