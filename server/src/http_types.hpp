#pragma once

#include <boost/beast/http.hpp>

namespace hookd::server {

namespace http = boost::beast::http;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

}  // namespace hookd::server
