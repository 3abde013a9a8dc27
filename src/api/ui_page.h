// The operator's web page served at /ui/: templates with their snapshots, clones with their
// port, owner, expiry and space, and buttons to create, reset and destroy clones and to copy a
// connection URL. It polls the /v1/ API and sends the token kept in the browser, if any.
#pragma once

#include <string_view>

namespace dbtwin::api {

// The whole page, one HTML document with inline CSS and JS (serve as text/html; charset=utf-8).
std::string_view ui_page();

}  // namespace dbtwin::api
