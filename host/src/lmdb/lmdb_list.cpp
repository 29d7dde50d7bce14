// LmdbKvStore::list: a cursor walk in LMDB order, with each group of hashed
// long keys (see lmdb_record.hpp) sorted by full key before it is emitted.
// Cost is O(page + expired keys skipped + size of any long-key group crossed).
#include <algorithm>

#include "hookd/host/lmdb_kv_store.hpp"
#include "kv_checks.hpp"
#include "lmdb/lmdb_env.hpp"
#include "lmdb/lmdb_record.hpp"

namespace hookd::host {

using detail::as_val;
using detail::as_view;
using detail::RecordCodec;

namespace {

struct Candidate {
  std::string composite;
  bool live;
};

class PageBuilder {
 public:
  PageBuilder(std::string_view ns, std::string_view prefix, std::string_view after, std::size_t page_size)
      : ns_len_(ns.size() + 1),
        want_prefix_(RecordCodec::composite(ns, prefix)),
        after_(after.empty() ? std::string() : RecordCodec::composite(ns, after)),
        page_size_(page_size) {}

  const std::string& start() const { return after_.empty() ? want_prefix_ : after_; }
  // Offers one record in true key order; returns false once the page (plus
  // one key, to know whether another page follows) is complete.
  bool offer(const Candidate& c) {
    if (!c.live || !c.composite.starts_with(want_prefix_)) return true;
    if (!after_.empty() && c.composite <= after_) return true;
    keys_.push_back(c.composite.substr(ns_len_));
    return keys_.size() <= page_size_;
  }
  KvStore::Page finish() && {
    KvStore::Page page;
    if (keys_.size() > page_size_) {
      keys_.pop_back();
      page.next_cursor = keys_.back();
    }
    page.keys = std::move(keys_);
    return page;
  }

 private:
  std::size_t ns_len_;
  std::string want_prefix_;
  std::string after_;
  std::size_t page_size_;
  std::vector<std::string> keys_;
};

}  // namespace

KvResult<KvStore::Page> LmdbKvStore::list(std::string_view ns, std::string_view prefix,
                                          std::string_view cursor, std::size_t limit) {
  auto page_size = detail::check_list(limits_, ns, prefix, cursor, limit);
  if (!page_size) return std::unexpected(page_size.error());
  PageBuilder builder(ns, prefix, cursor < prefix ? std::string_view{} : cursor, *page_size);
  const RecordCodec& codec = *codec_;
  // Every stored key of interest starts with `scope`, and none before `seek`.
  const std::string want = RecordCodec::composite(ns, prefix);
  const std::string scope(codec.seek_key(want));
  const std::string seek(codec.seek_key(builder.start()));
  const std::uint64_t now = now_ms();

  return env_->read([&](MDB_txn* txn) -> KvResult<Page> {
    MDB_cursor* raw = nullptr;
    if (int rc = mdb_cursor_open(txn, env_->dbi(), &raw); rc != 0) {
      return std::unexpected(env_->error(rc, "cursor"));
    }
    std::unique_ptr<MDB_cursor, decltype(&mdb_cursor_close)> cur(raw, &mdb_cursor_close);
    MDB_val k = as_val(seek);
    MDB_val v{};
    int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_SET_RANGE);
    auto candidate = [&](std::string_view stored, std::string_view raw_value) -> KvResult<Candidate> {
      auto record = RecordCodec::decode(raw_value);
      if (!record)
        return std::unexpected(detail::kv_error(KvError::Code::kInternal, "KV store: corrupt record"));
      std::string composite(record->hashed_composite.empty() ? stored : record->hashed_composite);
      return Candidate{std::move(composite), RecordCodec::live(*record, now)};
    };
    bool more = true;
    while (more && rc == 0 && as_view(k).starts_with(scope)) {
      std::string_view stored = as_view(k);
      if (!codec.in_group(stored)) {
        auto c = candidate(stored, as_view(v));
        if (!c) return std::unexpected(c.error());
        more = builder.offer(*c);
        rc = mdb_cursor_get(cur.get(), &k, &v, MDB_NEXT);
        continue;
      }
      // A group: consecutive stored keys sharing their first group_bytes.
      const std::string group(stored.substr(0, codec.group_bytes()));
      std::vector<Candidate> members;
      while (rc == 0 && codec.in_group(as_view(k)) && as_view(k).starts_with(group)) {
        auto c = candidate(as_view(k), as_view(v));
        if (!c) return std::unexpected(c.error());
        members.push_back(std::move(*c));
        rc = mdb_cursor_get(cur.get(), &k, &v, MDB_NEXT);
      }
      std::ranges::sort(members, {}, &Candidate::composite);
      for (const auto& c : members) {
        if (!(more = builder.offer(c))) break;
      }
    }
    if (rc != 0 && rc != MDB_NOTFOUND) return std::unexpected(env_->error(rc, "cursor walk"));
    return std::move(builder).finish();
  });
}

}  // namespace hookd::host
