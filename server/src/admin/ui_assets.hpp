// The dashboard's static files (server/ui/), compiled into the binary by the
// build (cmake/EmbedFiles.cmake writes ui_assets_data.cpp): no files read
// and no network at run time.
#pragma once

#include <span>
#include <string_view>

namespace hookd::server {

struct UiAsset {
  std::string_view path;          // relative to /ui/, e.g. "app.js"
  std::string_view content_type;  // from the file's extension
  std::string_view etag;          // quoted SHA-256 of the bytes (first 32 hex digits)
  std::string_view bytes;
};

/// Every embedded file, sorted by path.
std::span<const UiAsset> ui_assets();

}  // namespace hookd::server
