#include <gtest/gtest.h>

#include "bridge/index.h"
#include "bridge/s3_credentials.h"
#include "bridge/s3_http.h"
#include "bridge/s3_xml.h"
#include "pipeline/object_store.h"

namespace dbtwin::bridge {
namespace {

TEST(S3Xml, ElementsAndEntities) {
  std::string xml =
      "<R><KeyCount>2</KeyCount><Contents><Key>a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos; "
      "&#38;&#x26;</Key>"
      "<Size>5</Size></Contents><Contents><Key>z</Key><Size>0</Size></Contents><Empty/></R>";
  auto contents = xml_elements(xml, "Contents");
  ASSERT_EQ(contents.size(), 2u);
  EXPECT_EQ(xml_text(contents[0], "Key").value(), "a&b <c> \"d\" 'e' &&");
  EXPECT_EQ(xml_text(xml, "KeyCount").value(), "2");
  EXPECT_EQ(xml_text(xml, "Key").value(), "a&b <c> \"d\" 'e' &&")
      << "<Key> must not match <KeyCount>";
  EXPECT_EQ(xml_text(xml, "Empty").value(), "");
  EXPECT_FALSE(xml_text(xml, "Missing"));
  EXPECT_FALSE(xml_unescape("a &bogus; b").ok());
  EXPECT_FALSE(xml_unescape("a & b").ok());
  EXPECT_FALSE(xml_unescape("&#0;").ok());
  EXPECT_EQ(xml_unescape("&#xE9;").value(), "\xC3\xA9");
  EXPECT_EQ(xml_escape("<a&'\">"), "&lt;a&amp;&apos;&quot;&gt;");
}

TEST(S3Http, UrlsAreCanonicalForSigV4) {
  S3Target t{"http://127.0.0.1:9000", "us-east-1", "bucket", {}};
  EXPECT_EQ(s3_url(t, "a b/c+d", {}), "http://127.0.0.1:9000/bucket/a%20b/c%2Bd");
  EXPECT_EQ(s3_url(t, "k", {{"uploads", ""}}), "http://127.0.0.1:9000/bucket/k?uploads=");
  EXPECT_EQ(s3_url(t, "", {{"prefix", "p/"}, {"list-type", "2"}, {"continuation-token", "a+b="}}),
            "http://127.0.0.1:9000/bucket?continuation-token=a%2Bb%3D&list-type=2&prefix=p%2F");
  EXPECT_EQ(uri_encode("~._-azAZ09", false), "~._-azAZ09");
}

TEST(S3Http, ErrorsCarryCodeMessageAndStatus) {
  S3Response r{404, "<Error><Code>NoSuchKey</Code><Message>gone &amp; away</Message></Error>", {}};
  auto e = s3_error(r, "S3 GET s3://b/k");
  EXPECT_EQ(e.code, Errc::not_found);
  EXPECT_EQ(e.message, "S3 GET s3://b/k: HTTP 404 NoSuchKey: gone & away");
  r = {404, "<Error><Code>NoSuchBucket</Code></Error>", {}};
  EXPECT_EQ(s3_error(r, "x").code, Errc::storage);
  r = {403, "<Error><Code>AccessDenied</Code></Error>", {}};
  EXPECT_EQ(s3_error(r, "x").code, Errc::unavailable);
}

TEST(S3Credentials, IniProfiles) {
  auto ini = parse_ini(
      "# c\n[default]\naws_access_key_id = AK \n aws_secret_access_key=SK\n[other]\nx=y\n");
  EXPECT_EQ(ini["default"]["aws_access_key_id"], "AK");
  EXPECT_EQ(ini["default"]["aws_secret_access_key"], "SK");
  EXPECT_EQ(ini["other"]["x"], "y");
  BridgeOptions o;
  o.access_key = "only-one";
  EXPECT_EQ(resolve_s3_credentials(o).error().code, Errc::invalid_argument);
  o.secret_key = "two";
  auto c = resolve_s3_credentials(o);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->secret_key, "two");
}

TEST(ObjectKeys, CheckKey) {
  for (const char* ok : {"a", "dump-1/chunk-000000", "a/b.c/d..e", "x y"})
    EXPECT_TRUE(pipeline::check_key(ok).ok()) << ok;
  for (const char* bad : {"", "/a", "a/", "a//b", "..", "a/../b", "./a", "a\\b", "a\tb", "a\x7f"})
    EXPECT_FALSE(pipeline::check_key(bad).ok()) << bad;
}

TEST(DumpManifestJson, RoundTrip) {
  DumpManifest m;
  m.directory_name = "dump-1";
  m.created_at_ms = 1700000000000;
  m.size = 10;
  m.status = "failed";
  m.error = "boom";
  m.rows = 7;
  m.seconds = 1.5;
  m.chunks = {{"dump-1/chunk-000000", 10, "ff"}};
  auto back = manifest_from_json(manifest_to_json(m, true), "x");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->error, "boom");
  EXPECT_EQ(back->created_at_ms, m.created_at_ms);
  EXPECT_EQ(back->chunks.size(), 1u);
  EXPECT_FALSE(manifest_to_json(m, false).contains("chunks"));
  auto bad = manifest_from_json(nlohmann::json{{"size", 1}}, "dump-9/dump.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("dump-9/dump.json"), std::string::npos);
}

}  // namespace
}  // namespace dbtwin::bridge
