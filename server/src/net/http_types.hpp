#pragma once

#include <boost/beast/http.hpp>

#include "net/field_arena.hpp"

namespace hookd::server {

namespace http = boost::beast::http;
// Header fields allocated from a connection's FieldArena when a session
// gives them one (http_session.cpp), from the heap otherwise.
using FieldsAllocator = ArenaAllocator<char>;
using HttpFields = http::basic_fields<FieldsAllocator>;
using HttpRequest = http::request<http::string_body, HttpFields>;
using HttpResponse = http::response<http::string_body, HttpFields>;

}  // namespace hookd::server
