// The list of a component's imports and exports a loader prints.
#include "component_parse.hpp"

namespace hookd::engine::component {
namespace {

ComponentSummary::Entry entry(const ExternName& name, ExternKind kind) {
  ComponentSummary::Entry e;
  e.name = name.text;
  e.kind = kind;
  e.form = name.form;
  if (name.form == NameForm::kInterface) {
    e.interface_id = name.ns + ":" + name.package + "/" + name.interface;
    e.version = name.version;
  }
  return e;
}

ExternKind kind_of(Sort sort) {
  switch (sort) {
    case Sort::kFunc:
      return ExternKind::kFunc;
    case Sort::kValue:
      return ExternKind::kValue;
    case Sort::kType:
      return ExternKind::kType;
    case Sort::kComponent:
      return ExternKind::kComponent;
    case Sort::kInstance:
      return ExternKind::kInstance;
    default:
      // The parser accepts no core export but a core module.
      return ExternKind::kCoreModule;
  }
}

}  // namespace

ComponentSummary summarize(const Component& component) {
  ComponentSummary out;
  for (const Import& i : component.imports) {
    auto e = entry(i.name, i.type.kind);
    if (i.type.kind != ExternKind::kValue && !(i.type.kind == ExternKind::kType && i.type.sub_resource)) {
      e.type_index = i.type.index;
    }
    out.imports.push_back(std::move(e));
  }
  for (const Export& x : component.exports) {
    auto e = entry(x.name, kind_of(x.sort));
    e.index = x.index;
    if (x.type) e.type_index = x.type->index;
    out.exports.push_back(std::move(e));
  }
  return out;
}

std::string ComponentSummary::describe() const {
  std::string out;
  for (const Entry& e : imports) {
    out += "import " + std::string(extern_kind_name(e.kind)) + " " + e.name;
    if (e.type_index) out += " (type " + std::to_string(*e.type_index) + ")";
    out += "\n";
  }
  for (const Entry& e : exports) {
    out += "export " + std::string(extern_kind_name(e.kind)) + " " + e.name + " (" +
           std::string(extern_kind_name(e.kind)) + " " + std::to_string(e.index.value_or(0));
    if (e.type_index) out += ", type " + std::to_string(*e.type_index);
    out += ")\n";
  }
  return out;
}

}  // namespace hookd::engine::component
