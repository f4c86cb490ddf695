#pragma once
// What RFC 9112 makes a server refuse with 400 but Beast's parser accepts, checked beside it.
//
// HeaderScan watches the bytes of one request's header block as they arrive, in chunks of any
// size, for obsolete line folding (a line of the header block that starts with a space or a tab,
// RFC 9112 section 5.2; Beast joins such a line to the field before it). It stops at the empty
// line that ends the block, so a body is never scanned. ScannedBuffer is the DynamicBuffer that
// feeds it: Beast reads the header through it, so every byte is seen once, as Beast commits it.
// HostProblem checks the Host field lines of a parsed header (RFC 9112 section 3.2).
// Not thread-safe: one per connection, on its thread.

#include <boost/beast/core/flat_buffer.hpp>
#include <cstddef>
#include <cstring>
#include <string_view>

namespace refundd::http::internal {

class HeaderScan {
 public:
  // Starts a new header block (the next request on the connection).
  void Reset() {
    state_ = State::kInLine;
    folded_ = false;
  }

  // The next bytes of the stream; those after the end of the header block are ignored.
  void Feed(std::string_view bytes) {
    const char* p = bytes.data();
    const char* const end = p + bytes.size();
    while (p < end) {
      switch (state_) {
        case State::kInLine: {
          const void* lf = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
          if (lf == nullptr) return;
          p = static_cast<const char*>(lf) + 1;
          state_ = State::kLineStart;
          break;
        }
        case State::kLineStart: {
          const char c = *p++;
          if (c == ' ' || c == '\t') {
            folded_ = true;
            state_ = State::kInLine;
          } else if (c == '\r') {
            state_ = State::kEmptyLine;
          } else {
            state_ = c == '\n' ? State::kEnded : State::kInLine;
          }
          break;
        }
        case State::kEmptyLine:
          state_ = *p++ == '\n' ? State::kEnded : State::kInLine;
          break;
        case State::kEnded:
          return;
      }
    }
  }

  // A line of the header block read so far starts with a space or a tab.
  bool folded() const { return folded_; }

 private:
  enum class State { kInLine, kLineStart, kEmptyLine, kEnded };
  State state_ = State::kInLine;
  bool folded_ = false;
};

// A flat_buffer seen through a HeaderScan: what a read commits is fed to the scan. Meets Asio's
// DynamicBuffer (v1) requirements, which Beast's reads take.
class ScannedBuffer {
 public:
  using const_buffers_type = boost::beast::flat_buffer::const_buffers_type;
  using mutable_buffers_type = boost::beast::flat_buffer::mutable_buffers_type;

  ScannedBuffer(boost::beast::flat_buffer& buffer, HeaderScan& scan)
      : buffer_(buffer), scan_(scan) {}

  std::size_t size() const { return buffer_.size(); }
  std::size_t max_size() const { return buffer_.max_size(); }
  std::size_t capacity() const { return buffer_.capacity(); }
  const_buffers_type data() const { return buffer_.data(); }
  const_buffers_type cdata() const { return buffer_.cdata(); }
  mutable_buffers_type data() { return buffer_.data(); }
  mutable_buffers_type prepare(std::size_t n) { return buffer_.prepare(n); }
  void commit(std::size_t n) {
    const std::size_t before = buffer_.size();
    buffer_.commit(n);
    const auto all = buffer_.cdata();
    scan_.Feed(std::string_view(static_cast<const char*>(all.data()) + before,
                                buffer_.size() - before));
  }
  void consume(std::size_t n) { buffer_.consume(n); }

 private:
  boost::beast::flat_buffer& buffer_;
  HeaderScan& scan_;
};

// Why the Host field lines of an HTTP/1.1 request are refused (RFC 9112 section 3.2: none, more
// than one, or a value that is not uri-host [":" port]), or "" when they are fine. `count` is the
// number of Host field lines, `value` the first one's value. An empty value is allowed (a target
// without an authority).
inline std::string_view HostProblem(std::size_t count, std::string_view value) {
  if (count == 0) return "An HTTP/1.1 request must have a Host header.";
  if (count > 1) return "The request has more than one Host header.";
  for (char c : value) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    (c != '\0' && std::strchr("-._~%!$&'()*+,;=:[]", c) != nullptr);
    if (!ok) return "The request's Host header is not a valid host.";
  }
  return "";
}

}  // namespace refundd::http::internal
