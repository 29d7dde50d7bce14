// Canon definitions (Binary.md "Canonical Definitions"): every opcode is
// read with its immediates; those outside the synchronous ABI are refused
// unless ComponentLimits::allow_async.
#include "component_parser.hpp"

namespace hookd::engine::component {
namespace {

// The immediates that follow an opcode.
enum class Shape : uint8_t {
  kNone,
  kLift,
  kLower,
  kType,             // typeidx
  kTypeOpts,         // typeidx opts
  kTypeAsync,        // typeidx async?
  kAsync,            // async?
  kCancel,           // cancel?
  kCancelMemory,     // cancel? memidx
  kOpts,             // opts
  kResultOpts,       // resultlist opts
  kContext,          // core:valtype u32
  kCoreTypeTable,    // core:typeidx core:tableidx
  kShared,           // shared?
  kSharedType,       // shared? core:typeidx
  kSharedTypeTable,  // shared? core:typeidx core:tableidx
};

struct OpInfo {
  std::string_view name;
  Shape shape = Shape::kNone;
};

OpInfo op_info(uint8_t op) {
  switch (op) {
    case 0x00:
      return {"lift", Shape::kLift};
    case 0x01:
      return {"lower", Shape::kLower};
    case 0x02:
      return {"resource.new", Shape::kType};
    case 0x03:
      return {"resource.drop", Shape::kType};
    case 0x04:
      return {"resource.rep", Shape::kType};
    case 0x05:
      return {"task.cancel", Shape::kNone};
    case 0x06:
      return {"subtask.cancel", Shape::kAsync};
    case 0x09:
      return {"task.return", Shape::kResultOpts};
    case 0x0a:
      return {"context.get", Shape::kContext};
    case 0x0b:
      return {"context.set", Shape::kContext};
    case 0x0c:
      return {"thread.yield", Shape::kCancel};
    case 0x0d:
      return {"subtask.drop", Shape::kNone};
    case 0x0e:
      return {"stream.new", Shape::kType};
    case 0x0f:
      return {"stream.read", Shape::kTypeOpts};
    case 0x10:
      return {"stream.write", Shape::kTypeOpts};
    case 0x11:
      return {"stream.cancel-read", Shape::kTypeAsync};
    case 0x12:
      return {"stream.cancel-write", Shape::kTypeAsync};
    case 0x13:
      return {"stream.drop-readable", Shape::kType};
    case 0x14:
      return {"stream.drop-writable", Shape::kType};
    case 0x15:
      return {"future.new", Shape::kType};
    case 0x16:
      return {"future.read", Shape::kTypeOpts};
    case 0x17:
      return {"future.write", Shape::kTypeOpts};
    case 0x18:
      return {"future.cancel-read", Shape::kTypeAsync};
    case 0x19:
      return {"future.cancel-write", Shape::kTypeAsync};
    case 0x1a:
      return {"future.drop-readable", Shape::kType};
    case 0x1b:
      return {"future.drop-writable", Shape::kType};
    case 0x1c:
      return {"error-context.new", Shape::kOpts};
    case 0x1d:
      return {"error-context.debug-message", Shape::kOpts};
    case 0x1e:
      return {"error-context.drop", Shape::kNone};
    case 0x1f:
      return {"waitable-set.new", Shape::kNone};
    case 0x20:
      return {"waitable-set.wait", Shape::kCancelMemory};
    case 0x21:
      return {"waitable-set.poll", Shape::kCancelMemory};
    case 0x22:
      return {"waitable-set.drop", Shape::kNone};
    case 0x23:
      return {"waitable.join", Shape::kNone};
    case 0x24:
      return {"backpressure.inc", Shape::kNone};
    case 0x25:
      return {"backpressure.dec", Shape::kNone};
    case 0x26:
      return {"thread.index", Shape::kNone};
    case 0x27:
      return {"thread.new-indirect", Shape::kCoreTypeTable};
    case 0x28:
      return {"thread.resume-later", Shape::kNone};
    case 0x29:
      return {"thread.suspend", Shape::kCancel};
    case 0x2a:
      return {"thread.suspend-then-resume", Shape::kCancel};
    case 0x2b:
      return {"thread.yield-then-resume", Shape::kCancel};
    case 0x2c:
      return {"thread.suspend-then-promote", Shape::kCancel};
    case 0x2d:
      return {"thread.yield-then-promote", Shape::kCancel};
    case 0x40:
      return {"thread.spawn-ref", Shape::kSharedType};
    case 0x41:
      return {"thread.spawn-indirect", Shape::kSharedTypeTable};
    case 0x42:
      return {"thread.available-parallelism", Shape::kShared};
    default:
      return {};
  }
}

// Reads a 0x00/0x01 flag.
bool flag(ComponentReader& r, bool& out, std::string_view what) {
  uint8_t b = 0;
  if (!r.u8(b, what)) return false;
  if (b > 1) return r.fail_at(r.pos() - 1, std::string(what) + ": bad flag " + std::to_string(b));
  out = b == 1;
  return true;
}

}  // namespace

std::string_view canon_name(CanonOp op) { return op_info(static_cast<uint8_t>(op)).name; }

bool canon_supported(CanonOp op) { return op <= CanonOp::kResourceRep; }

bool Parser::canon_options(ComponentReader& r, const Scope& scope, CanonOptions& out) {
  uint32_t n = 0;
  if (!r.count(n, 8, "canon options")) return false;
  bool seen[8] = {};
  for (uint32_t i = 0; i < n; ++i) {
    const size_t at = r.pos();
    uint8_t opt = 0;
    if (!r.u8(opt, "canon option")) return false;
    if (opt > 0x07) return r.fail_at(at, "unknown canon option " + std::to_string(opt));
    // The three string encodings conflict with each other.
    const uint8_t slot = opt <= 0x02 ? 0 : opt;
    if (seen[slot]) return r.fail_at(at, "canon option given twice or conflicting");
    seen[slot] = true;
    const size_t idx_at = r.pos();
    uint32_t index = 0;
    switch (opt) {
      case 0x00:
        out.string_encoding = StringEncoding::kUtf8;
        break;
      case 0x01:
        out.string_encoding = StringEncoding::kUtf16;
        break;
      case 0x02:
        out.string_encoding = StringEncoding::kLatin1Utf16;
        break;
      case 0x03:
        if (!r.u32(index, "memory option") ||
            !check_index(r, idx_at, scope, Sort::kCoreMemory, index, "memory option")) {
          return false;
        }
        out.memory = index;
        break;
      case 0x04:
      case 0x05:
      case 0x07: {
        const std::string_view what = opt == 0x04   ? "realloc option"
                                      : opt == 0x05 ? "post-return option"
                                                    : "callback option";
        if (opt == 0x07 && !refuse_async(r, at, "the callback canon option")) return false;
        if (!r.u32(index, what) || !check_index(r, idx_at, scope, Sort::kCoreFunc, index, what)) return false;
        (opt == 0x04 ? out.realloc : opt == 0x05 ? out.post_return : out.callback) = index;
        break;
      }
      case 0x06:
        if (!refuse_async(r, at, "the async canon option")) return false;
        out.async = true;
        break;
      default:
        break;
    }
  }
  return true;
}

bool Parser::canon(ComponentReader& r, Scope& scope, Canon& out) {
  out.offset = r.pos();
  uint8_t op = 0;
  if (!r.u8(op, "canon")) return false;
  const OpInfo info = op_info(op);
  if (info.name.empty()) return r.fail_at(out.offset, "unknown canon opcode " + std::to_string(op));
  out.op = static_cast<CanonOp>(op);
  const std::string what = "canon " + std::string(info.name);
  if (!canon_supported(out.op) && !refuse_async(r, out.offset, what)) return false;

  auto index = [&](uint32_t& v, Sort sort) {
    const size_t at = r.pos();
    return r.u32(v, what) && check_index(r, at, scope, sort, v, what);
  };
  auto zero = [&]() {
    uint8_t b = 0;
    if (!r.u8(b, what)) return false;
    if (b != 0) return r.fail_at(r.pos() - 1, what + ": expected the func sort (0x00)");
    return true;
  };
  switch (info.shape) {
    case Shape::kNone:
      return true;
    case Shape::kLift: {
      if (!zero() || !index(out.func, Sort::kCoreFunc) || !canon_options(r, scope, out.options)) return false;
      const size_t at = r.pos();
      if (!index(out.type, Sort::kType)) return false;
      if (scope.types[out.type] != TypeClass::kFunc && scope.types[out.type] != TypeClass::kUnknown) {
        return r.fail_at(at, what + ": type index " + std::to_string(out.type) + " is not a function type");
      }
      return true;
    }
    case Shape::kLower:
      return zero() && index(out.func, Sort::kFunc) && canon_options(r, scope, out.options);
    case Shape::kType: {
      const size_t at = r.pos();
      if (!index(out.type, Sort::kType)) return false;
      const bool resource = out.op <= CanonOp::kResourceRep;
      const TypeClass c = scope.types[out.type];
      if (resource && c != TypeClass::kResource && c != TypeClass::kUnknown) {
        return r.fail_at(at, what + ": type index " + std::to_string(out.type) + " is not a resource");
      }
      return true;
    }
    case Shape::kTypeOpts:
      return index(out.type, Sort::kType) && canon_options(r, scope, out.options);
    case Shape::kTypeAsync:
      return index(out.type, Sort::kType) && flag(r, out.async, what);
    case Shape::kAsync:
      return flag(r, out.async, what);
    case Shape::kCancel:
      return flag(r, out.cancellable, what);
    case Shape::kCancelMemory:
      return flag(r, out.cancellable, what) && index(out.memory, Sort::kCoreMemory);
    case Shape::kOpts:
      return canon_options(r, scope, out.options);
    case Shape::kResultOpts: {
      uint8_t form = 0;
      if (!r.u8(form, what)) return false;
      if (form == 0x00) {
        ValType v;
        if (!valtype(r, scope, v)) return false;
        out.task_result = v;
      } else if (form == 0x01) {
        uint8_t z = 0;
        if (!r.u8(z, what)) return false;
        if (z != 0) return r.fail_at(r.pos() - 1, what + ": bad result list");
      } else {
        return r.fail_at(r.pos() - 1, what + ": bad result list");
      }
      return canon_options(r, scope, out.options);
    }
    case Shape::kContext:
      if (!core_valtype(r, out.context_type)) return false;
      if (out.context_type != 0x7f) return r.fail_at(r.pos() - 1, what + ": the context type must be i32");
      return r.u32(out.context_index, what);
    case Shape::kCoreTypeTable:
      return index(out.type, Sort::kCoreType) && index(out.table, Sort::kCoreTable);
    case Shape::kShared:
      return flag(r, out.shared, what);
    case Shape::kSharedType:
      return flag(r, out.shared, what) && index(out.type, Sort::kCoreType);
    case Shape::kSharedTypeTable:
      return flag(r, out.shared, what) && index(out.type, Sort::kCoreType) &&
             index(out.table, Sort::kCoreTable);
  }
  return true;
}

}  // namespace hookd::engine::component
