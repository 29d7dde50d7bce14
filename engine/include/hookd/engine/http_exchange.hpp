// The HTTP exchange a plugin call answers, as host functions see it: the
// request the embedder received (RequestView: views into the embedder's own
// request, read only when the plugin asks) and the response the plugin shapes
// (ResponseSink: status and headers, checked as they are set). Both travel
// in CallContext; a call without them (a CLI call, a test) has neither, and
// the request/response host functions then answer with an error.
//
// Error policy: the sink refuses what would let a plugin break the response
// (a bad status, a header name that is not a token, a control character in
// a value, a framing or hop-by-hop header, too many or too large headers)
// with a kHostError the plugin sees; nothing is half-added. The embedder uses the
// sink only when the call succeeded: a failed call keeps the error mapping
// it always had.
//
// An embedder's side, per request (a server over Boost.Beast, say):
//
//   struct Fields final : engine::HeaderSource {   // no copy: walks the parser's fields
//     const http::fields* f;
//     void visit(engine::HeaderVisitor& v) const override {
//       for (const auto& h : *f) if (!v.field(h.name_string(), h.value())) return;
//     }
//   };
//   Fields fields{&req.base()};
//   engine::RequestView view{req.method_string(), req.target(), client, route.params, &fields};
//   sink.reset();                                  // one sink per worker, reused
//   ctx.request = &view;
//   ctx.response = &sink;
//   auto out = instance.call(fn, body, ctx);
//   if (out) {                                     // on error: the usual error response
//     if (sink.status() != 0) res.result(sink.status());
//     for (const auto& h : sink.headers()) res.insert(h.name, h.value);  // already checked
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hookd/engine/result.hpp"

namespace hookd::engine {

struct HeaderField {
  std::string_view name;
  std::string_view value;
};

// Receives header fields one at a time; returns false to stop the walk.
class HeaderVisitor {
 public:
  virtual bool field(std::string_view name, std::string_view value) = 0;

 protected:
  ~HeaderVisitor() = default;
};

// The embedder's request headers, walked in the order received (a repeated
// header is seen once per occurrence). The server implements it over its own
// parsed request, so nothing is copied unless a plugin asks for a header.
class HeaderSource {
 public:
  virtual void visit(HeaderVisitor& visitor) const = 0;

 protected:
  ~HeaderSource() = default;
};

// A HeaderSource over fields the embedder already holds as views (tests,
// tools, a route table's output).
class HeaderList final : public HeaderSource {
 public:
  HeaderList() = default;
  explicit HeaderList(std::span<const HeaderField> fields) : fields_(fields) {}
  void visit(HeaderVisitor& visitor) const override {
    for (const HeaderField& f : fields_) {
      if (!visitor.field(f.name, f.value)) return;
    }
  }

 private:
  std::span<const HeaderField> fields_;
};

// The request, as views the embedder keeps alive for the whole call. The
// request id and the body are the call's own (CallContext::request_id, the
// call's input).
struct RequestView {
  std::string_view method;
  // The request-target as received: the path, then '?' and the query.
  std::string_view target;
  std::string_view client_address;  // the client's IP (hookd: after trusted proxies)
  std::span<const HeaderField> route_params;
  const HeaderSource* headers = nullptr;  // null: no headers

  [[nodiscard]] std::string_view path() const { return target.substr(0, target.find('?')); }
  // Without the '?'; empty when there is none.
  [[nodiscard]] std::string_view query() const {
    const auto q = target.find('?');
    return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  }
};

// Case-insensitive (ASCII) comparison, as HTTP header names compare.
bool header_name_equal(std::string_view a, std::string_view b);

// A call's request headers, walked once and kept as views, each with a key
// of its name folded to lower case: a plugin that reads ten headers walks
// the embedder's fields once, not ten times, and a name is compared byte by
// byte only with fields whose key matches. The engine keeps one per
// instance and empties it when a call begins (CallContext::header_index);
// the views are the embedder's, alive for the call.
class HeaderIndex {
 public:
  // The index-th (0 = first) value of header `name` in `source`, in the
  // order received; nullopt when there are fewer. Walks `source` on first
  // use (or when it is another source than last time).
  std::optional<std::string_view> find(const HeaderSource& source, std::string_view name, uint32_t index);
  // Forgets the fields; keeps the capacity unless it is large.
  void clear();

 private:
  struct Field {
    uint64_t key;
    HeaderField field;
  };
  const HeaderSource* source_ = nullptr;
  std::vector<Field> fields_;
};

// Percent-decodes `in` into `out` (cleared first); `plus_is_space` for a
// query component. Fails on a malformed escape or an escaped NUL.
bool percent_decode(std::string_view in, bool plus_is_space, std::string& out);

// The first value of query parameter `name` (compared after decoding),
// decoded into `out`; false when absent or malformed.
bool find_query_param(std::string_view query, std::string_view name, std::string& out);

// The response a plugin builds while it runs. Reused by the embedder across
// calls (reset() before each): every name and value goes into one buffer,
// and reset() keeps its capacity, so a warm sink adds headers without
// allocating (it allocates only when a response carries more header bytes
// or headers than any before it on this sink).
class ResponseSink {
 public:
  static constexpr std::size_t kMaxHeaders = 100;
  static constexpr std::size_t kMaxHeaderBytes = 64u << 10;  // names and values together

  // A header as views into the sink: valid until the next add_header() or
  // reset().
  using Header = HeaderField;

 private:
  // Where one header lies in arena_: its name, then its value right after.
  struct Entry {
    uint32_t at;
    uint32_t name_size;
    uint32_t value_size;
  };

 public:
  // The headers in the order added, as a range of Header (by value). It
  // reads the sink when used, so it sees headers added after it was taken.
  class Headers {
   public:
    class iterator {  // NOLINT(readability-identifier-naming): the standard containers' name
     public:
      // Yields Header by value (views), so a forward iterator for ranges
      // and an input iterator for the older algorithms.
      using iterator_concept = std::forward_iterator_tag;
      using iterator_category = std::input_iterator_tag;
      using value_type = Header;
      using reference = Header;
      using pointer = void;
      using difference_type = std::ptrdiff_t;
      iterator() = default;
      Header operator*() const { return sink_->header(index_); }
      iterator& operator++() {
        ++index_;
        return *this;
      }
      iterator operator++(int) {
        iterator before = *this;
        ++index_;
        return before;
      }
      bool operator==(const iterator&) const = default;

     private:
      friend class Headers;
      iterator(const ResponseSink* sink, std::size_t index) : sink_(sink), index_(index) {}
      const ResponseSink* sink_ = nullptr;
      std::size_t index_ = 0;
    };

    [[nodiscard]] std::size_t size() const { return sink_->entries_.size(); }
    [[nodiscard]] bool empty() const { return sink_->entries_.empty(); }
    Header operator[](std::size_t i) const { return sink_->header(i); }
    [[nodiscard]] iterator begin() const { return {sink_, 0}; }
    [[nodiscard]] iterator end() const { return {sink_, size()}; }

   private:
    friend class ResponseSink;
    explicit Headers(const ResponseSink* sink) : sink_(sink) {}
    const ResponseSink* sink_;
  };

  // 100-599; anything else is a kHostError and the status is unchanged.
  Result<void> set_status(int64_t status);
  // Appends a header (repeated names are kept, Set-Cookie for one). Refuses
  // a name that is not an RFC 9110 token, a value with CR, LF, NUL or any
  // other control character but tab (DEL too), a header the server owns
  // (framing, hop-by-hop), and going past kMaxHeaders or kMaxHeaderBytes.
  // Spaces and tabs at either end of the value are dropped, as a parser
  // would drop them: headers() holds what the client reads.
  Result<void> add_header(std::string_view name, std::string_view value);

  // 0 when the plugin set none (the embedder's default applies).
  [[nodiscard]] int status() const { return status_; }
  [[nodiscard]] Headers headers() const { return Headers(this); }
  [[nodiscard]] bool empty() const { return status_ == 0 && entries_.empty(); }
  // Forgets the status and the headers; keeps the buffers' capacity.
  void reset();

 private:
  [[nodiscard]] Header header(std::size_t i) const {
    const Entry& e = entries_[i];
    const std::string_view all(arena_);
    return {all.substr(e.at, e.name_size), all.substr(e.at + e.name_size, e.value_size)};
  }

  int status_ = 0;
  std::string arena_;  // every name and value, back to back; at most kMaxHeaderBytes
  std::vector<Entry> entries_;
};

// A token as RFC 9110 defines it (section 5.6.2): what a field name must be.
bool is_http_token(std::string_view s);
// The headers the server alone sets: message framing and the hop-by-hop
// ones (Connection, Transfer-Encoding, Content-Length, Upgrade, Keep-Alive,
// TE, Trailer, Proxy-Connection, ...).
bool is_server_owned_header(std::string_view name);

}  // namespace hookd::engine
