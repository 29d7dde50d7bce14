// Loading a component, its imports: each imported instance matched against
// the interface hookd's host provides under that name and version, its
// functions' types compared with the host's (resources by identity), and
// what the host lacks collected for one error (component_plan_resolver.hpp).
#include <utility>

#include "component/component_plan_resolver.hpp"

namespace hookd::engine::component::loader {

// `text` (canonical::describe) with each resource number "#7" replaced by
// what `name` calls it, when it knows.
std::string name_resources(std::string_view text, const std::function<std::string(uint32_t)>& name) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '#' || i + 1 >= text.size() || text[i + 1] < '0' || text[i + 1] > '9') {
      out += text[i];
      continue;
    }
    uint64_t n = 0;
    size_t j = i + 1;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9' && n < (1U << 31))
      n = n * 10 + (text[j++] - '0');
    std::string known = n <= UINT32_MAX ? name(static_cast<uint32_t>(n)) : std::string();
    out += known.empty() ? std::string(text.substr(i, j - i)) : known;
    i = j - 1;
  }
  return out;
}

bool is_version_of(std::string_view version, std::string_view prefix) {
  return version.starts_with(prefix) && (version.size() == prefix.size() || version[prefix.size()] == '.');
}

// ---- Imported interfaces ---------------------------------------------------

// The instance type and the scope its outer aliases point into, not the
// TypeEntry holding them: defining the type's own types adds to types_,
// which may move that entry.
Result<uint32_t> Resolver::import_instance(const ExternName& name, const InstanceType& instance_type,
                                           Scope& scope, int depth) {
  const HostInterface* iface = host_.find(name.text);
  if (iface && !is_version_of(name.version, iface->version_prefix)) iface = nullptr;
  if (!iface) problems_.push_back("import interface " + name.text);
  if (iface) {
    for (const auto& r : iface->resources) host_resource_names_[r.id] = r.name;
  }
  InstanceEntry inst;
  std::vector<uint32_t> local;  // the instance type's own type index space
  Lookup lookup = [&](uint32_t i) -> Result<uint32_t> {
    if (i >= local.size()) return invalid("instance type index out of range");
    return local[i];
  };
  const Decls& d = instance_type.decls;
  for (auto [kind, item] : d.order) {
    switch (kind) {
      case DeclKind::kCoreType:
      case DeclKind::kImport:
        break;
      case DeclKind::kType: {
        auto t = define_type(scope, d.types[item], lookup);
        if (!t) return std::unexpected(t.error());
        local.push_back(*t);
        break;
      }
      case DeclKind::kAlias: {
        const Alias& a = d.aliases[item];
        if (a.kind != Alias::Kind::kOuter || a.sort != Sort::kType || a.outer_count != 1) {
          return invalid("instance type of " + name.text + ": only outer type aliases are supported");
        }
        auto t = resolve(scope, Sort::kType, a.outer_index, depth);
        if (!t) return std::unexpected(t.error());
        local.push_back(*t);
        break;
      }
      case DeclKind::kExport: {
        auto r = import_export(name, iface, d.exports[item], lookup, local, inst);
        if (!r) return std::unexpected(r.error());
        break;
      }
    }
  }
  return add_instance(std::move(inst));
}

Result<void> Resolver::import_export(const ExternName& iname, const HostInterface* iface, const ExternDecl& x,
                                     const Lookup& lookup, std::vector<uint32_t>& local,
                                     InstanceEntry& inst) {
  const std::string label = iname.text + "#" + x.name.text;
  if (x.type.kind == ExternKind::kType) {
    uint32_t id = 0;
    if (x.type.sub_resource) {
      const HostResource* hr = nullptr;
      if (iface) {
        for (const auto& r : iface->resources) {
          if (r.name == x.name.text) hr = &r;
        }
        if (!hr) problems_.push_back("import resource " + label);
      }
      id = types_.add(
          TypeEntry{.kind = TypeEntry::Kind::kResource, .resource = add_resource(label, hr, false)});
    } else {
      auto t = lookup(x.type.index);
      if (!t) return std::unexpected(t.error());
      id = *t;
    }
    local.push_back(id);
    inst.exports[x.name.text] = Item{Sort::kType, id};
    return {};
  }
  if (x.type.kind != ExternKind::kFunc) {
    return invalid("instance type of " + iname.text + ": export " + x.name.text +
                   " is not a function or type");
  }
  auto t = lookup(x.type.index);
  if (!t) return std::unexpected(t.error());
  if (types_[*t].kind != TypeEntry::Kind::kFunc) return invalid(label + " has no function type");
  FuncEntry f{.label = label, .type = types_[*t].func};
  if (iface) {
    for (const auto& hf : iface->functions) {
      if (hf.name == x.name.text) f.host = &hf;
    }
    if (!f.host) {
      problems_.push_back("import function " + label);
    } else if (!canonical::same_function(plan_.types, f.type, iface->types, f.host->type, same_resource())) {
      auto mine = [this](uint32_t rt) {
        if (rt >= plan_.resources.size()) return std::string();
        const std::string& n = plan_.resources[rt].name;
        return n.substr(n.find('#') + 1);
      };
      auto theirs = [this](uint32_t rt) {
        auto it = host_resource_names_.find(rt);
        return it == host_resource_names_.end() ? std::string() : it->second;
      };
      problems_.push_back("import function " + label + " has type " +
                          name_resources(canonical::describe(plan_.types, f.type), mine) + ", hookd's is " +
                          name_resources(canonical::describe(iface->types, f.host->type), theirs));
    }
  }
  inst.exports[x.name.text] = Item{Sort::kFunc, add_func(std::move(f))};
  return {};
}

canonical::SameResource Resolver::same_resource() const {
  return [this](ResourceTypeId mine, ResourceTypeId theirs) {
    if (mine >= plan_.resources.size()) return false;
    const ResourcePlan& r = plan_.resources[mine];
    // A resource of an import the host lacks is reported as missing
    // already; a type mentioning it is not reported again.
    if (!r.host) return !r.implemented_by_guest;
    return r.host->id == theirs;
  };
}

}  // namespace hookd::engine::component::loader
