// Hand-assembled hookd plugins for tests that need what a compiler does not
// emit on request: a start function, many tables, oversized sections. The
// module has the hookd ABI exports and registers one function, "ok"; its
// hookd_call runs `call_body` (by default: return HOOKD_OK with no output).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hookd::test {

using Bytes = std::vector<uint8_t>;

inline void put_leb(Bytes& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if (v != 0) b |= 0x80;
    out.push_back(b);
  } while (v != 0);
}

inline void put_sleb(Bytes& out, int64_t v) {
  for (;;) {
    uint8_t b = v & 0x7f;
    v >>= 7;
    const bool done = (v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0);
    if (!done) b |= 0x80;
    out.push_back(b);
    if (done) return;
  }
}

inline void put_name(Bytes& out, const std::string& s) {
  put_leb(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

inline void put_section(Bytes& module, uint8_t id, const Bytes& body) {
  module.push_back(id);
  put_leb(module, body.size());
  module.insert(module.end(), body.begin(), body.end());
}

// Instructions for call bodies.
inline Bytes i32_const(int32_t v) {
  Bytes b{0x41};
  put_sleb(b, v);
  return b;
}
inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
inline const Bytes kI32Store = {0x36, 0x02, 0x00};
inline const Bytes kEnd = {0x0b};
// table.grow <table> with (ref.null func, delta) on the stack: pushes the old size or -1.
inline Bytes table_grow(uint32_t table, int32_t delta) {
  Bytes b{0xd0, 0x70};
  b = cat({b, i32_const(delta), {0xfc, 0x0f}});
  put_leb(b, table);
  return b;
}
// A call body whose output is the 4-byte little-endian value `value_code`
// leaves on the stack.
inline Bytes output_i32(const Bytes& value_code) {
  return cat({i32_const(2048), value_code, kI32Store,     // *2048 = value
              i32_const(64), i32_const(2048), kI32Store,  // frame.out_ptr
              i32_const(68), i32_const(4), kI32Store,     // frame.out_len
              i32_const(0), kEnd});                       // HOOKD_OK
}

struct MiniPlugin {
  uint32_t extra_types = 0;
  uint32_t extra_imports = 0;  // wasi_snapshot_preview1.x<i> : () -> ()
  uint32_t extra_functions = 0;
  uint32_t extra_exports = 0;
  uint32_t globals = 0;
  struct Table {
    uint32_t min = 0;
    std::optional<uint32_t> max;
  };
  std::vector<Table> tables;
  uint32_t data_segments = 0;  // passive, each data_segment_bytes long
  uint32_t data_segment_bytes = 1;
  uint32_t element_segments = 0;  // passive, each element_items long
  uint32_t element_items = 1;
  uint32_t padded_body_bytes = 0;  // one more function padded with nops to this size
  uint32_t locals = 0;             // declared by that function
  bool start_loops = false;        // a start function that never returns
  Bytes call_body = cat({i32_const(0), kEnd});

  [[nodiscard]] Bytes build() const;
};

inline Bytes MiniPlugin::build() const {
  Bytes m = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  // Types: 0 ()->i32, 1 ()->(), 2 (i32)->i32, 3 (i32 i32 i32)->i32, 4 (i32 x4)->i32.
  Bytes types;
  put_leb(types, 5 + extra_types);
  types.insert(types.end(), {0x60, 0x00, 0x01, 0x7f});
  types.insert(types.end(), {0x60, 0x00, 0x00});
  types.insert(types.end(), {0x60, 0x01, 0x7f, 0x01, 0x7f});
  types.insert(types.end(), {0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x01, 0x7f});
  types.insert(types.end(), {0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f});
  for (uint32_t i = 0; i < extra_types; ++i) types.insert(types.end(), {0x60, 0x00, 0x00});
  put_section(m, 1, types);

  Bytes imports;
  put_leb(imports, 1 + extra_imports);
  put_name(imports, "hookd");
  put_name(imports, "register_function");
  imports.insert(imports.end(), {0x00, 0x04});
  for (uint32_t i = 0; i < extra_imports; ++i) {
    put_name(imports, "wasi_snapshot_preview1");
    put_name(imports, "x" + std::to_string(i));
    imports.insert(imports.end(), {0x00, 0x01});
  }
  put_section(m, 2, imports);
  const uint32_t base = 1 + extra_imports;  // index of the first defined function

  // Defined functions: abi_version, init, frame, input, call, start, padded, extras.
  std::vector<uint32_t> fn_types = {0, 1, 0, 2, 3, 1};
  const bool padded = padded_body_bytes > 0 || locals > 0;
  if (padded) fn_types.push_back(1);
  for (uint32_t i = 0; i < extra_functions; ++i) fn_types.push_back(1);
  Bytes funcs;
  put_leb(funcs, fn_types.size());
  for (uint32_t t : fn_types) put_leb(funcs, t);
  put_section(m, 3, funcs);

  if (!tables.empty()) {
    Bytes t;
    put_leb(t, tables.size());
    for (const Table& tb : tables) {
      t.push_back(0x70);
      t.push_back(tb.max ? 0x01 : 0x00);
      put_leb(t, tb.min);
      if (tb.max) put_leb(t, *tb.max);
    }
    put_section(m, 4, t);
  }
  put_section(m, 5, {0x01, 0x00, 0x01});  // one memory, 1 page, no maximum

  if (globals > 0) {
    Bytes g;
    put_leb(g, globals);
    for (uint32_t i = 0; i < globals; ++i) g.insert(g.end(), {0x7f, 0x00, 0x41, 0x00, 0x0b});
    put_section(m, 6, g);
  }

  Bytes exports;
  put_leb(exports, 6 + extra_exports);
  put_name(exports, "memory");
  exports.insert(exports.end(), {0x02, 0x00});
  const char* names[] = {"hookd_abi_version", "hookd_init", "hookd_frame", "hookd_input", "hookd_call"};
  for (uint32_t i = 0; i < 5; ++i) {
    put_name(exports, names[i]);
    exports.push_back(0x00);
    put_leb(exports, base + i);
  }
  for (uint32_t i = 0; i < extra_exports; ++i) {
    put_name(exports, "e" + std::to_string(i));
    exports.push_back(0x00);
    put_leb(exports, base);
  }
  put_section(m, 7, exports);

  if (start_loops) {
    Bytes start;
    put_leb(start, base + 5);
    put_section(m, 8, start);
  }

  if (element_segments > 0) {
    Bytes e;
    put_leb(e, element_segments);
    for (uint32_t i = 0; i < element_segments; ++i) {
      e.push_back(0x01);  // passive, function indices
      e.push_back(0x00);  // elemkind funcref
      put_leb(e, element_items);
      for (uint32_t j = 0; j < element_items; ++j) put_leb(e, base);
    }
    put_section(m, 9, e);
  }

  auto body = [](const Bytes& code, uint32_t locals_count = 0) {
    Bytes b;
    if (locals_count > 0) {
      b.push_back(0x01);
      put_leb(b, locals_count);
      b.push_back(0x7f);
    } else {
      b.push_back(0x00);
    }
    b.insert(b.end(), code.begin(), code.end());
    Bytes out;
    put_leb(out, b.size());
    out.insert(out.end(), b.begin(), b.end());
    return out;
  };
  Bytes code;
  put_leb(code, fn_types.size());
  const Bytes reg = cat({i32_const(16), i32_const(2), i32_const(0), i32_const(0), {0x10, 0x00, 0x1a}, kEnd});
  for (const Bytes& b : {body(cat({i32_const(1), kEnd})),                // hookd_abi_version
                         body(reg),                                      // hookd_init: register "ok"
                         body(cat({i32_const(64), kEnd})),               // hookd_frame
                         body(cat({i32_const(1024), kEnd})),             // hookd_input
                         body(call_body),                                // hookd_call
                         body({0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b})}) {  // start: loop br 0 end
    code.insert(code.end(), b.begin(), b.end());
  }
  if (padded) {
    Bytes nops(padded_body_bytes, 0x01);
    nops.push_back(0x0b);
    const Bytes b = body(nops, locals);
    code.insert(code.end(), b.begin(), b.end());
  }
  for (uint32_t i = 0; i < extra_functions; ++i) code.insert(code.end(), {0x02, 0x00, 0x0b});
  put_section(m, 10, code);

  Bytes data;
  put_leb(data, 1 + data_segments);
  data = cat({data, {0x00}, i32_const(16), kEnd, {0x02, 'o', 'k'}});
  for (uint32_t i = 0; i < data_segments; ++i) {
    data.push_back(0x01);  // passive
    put_leb(data, data_segment_bytes);
    data.insert(data.end(), data_segment_bytes, 0x2a);
  }
  put_section(m, 11, data);
  return m;
}

}  // namespace hookd::test
