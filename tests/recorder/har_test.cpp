// HAR import and export: a real browser's HAR (committed; no browser needed here), a broken one,
// and export -> import round trips of rows written straight into a store.
#include "recorder/har.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "store/database.hpp"

namespace aria::recorder {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const fs::path kFixtures = ARIA_RECORDER_FIXTURES;

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The one chromium-<version>.har capture in the fixtures folder.
fs::path browser_fixture() {
  for (const auto& e : fs::directory_iterator(kFixtures)) {
    auto name = e.path().filename().string();
    if (name.starts_with("chromium-") && name.ends_with(".har")) return e.path();
  }
  ADD_FAILURE() << "no chromium-*.har in " << kFixtures;
  return {};
}

struct HarTest : ::testing::Test {
  fs::path dir;
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("aria-har-" + std::to_string(getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string path(const std::string& name) const { return (dir / name).string(); }

  // Every byte a store left on disk: the file, its WAL and shared memory.
  static std::string disk_bytes(const std::string& db) {
    std::string all;
    for (auto suffix : {"", "-wal", "-shm", "-journal"}) all += read_bytes(db + suffix);
    return all;
  }
};

TEST_F(HarTest, BrowserCaptureImportsWithSecretsRedacted) {
  const auto har = browser_fixture();
  ASSERT_FALSE(har.empty());
  ASSERT_NE(read_bytes(har).find("fixture-secret-key"), std::string::npos) << "the fixture holds the secret";
  HarImportOptions o;
  o.har_path = har.string();
  o.db_path = path("rec.db");
  o.label = "browser";
  auto s = import_har(o);
  EXPECT_EQ(s.entries, 6u);
  EXPECT_EQ(s.exchanges, 6u);
  EXPECT_EQ(s.skipped, 0u);
  EXPECT_EQ(s.visitors, 2u);  // the pages (no credential) and the API calls (X-API-Key)
  EXPECT_EQ(s.upstream, "http://127.0.0.1");
  EXPECT_TRUE(s.creator.starts_with("Playwright ")) << s.creator;
  EXPECT_TRUE(s.browser.starts_with("chromium ")) << s.browser;
  EXPECT_NE(format_import_summary(s, o.db_path).find("6 exchanges imported, 0 skipped"), std::string::npos);

  {
    store::Database db(o.db_path);
    auto list = store::list_recordings(db);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].id, s.recording_id);
    EXPECT_EQ(list[0].source, "har");
    EXPECT_EQ(list[0].status, "ended");
    EXPECT_EQ(list[0].label, "browser");
    EXPECT_EQ(list[0].visitor_rule, "credential");
    EXPECT_EQ(list[0].exchanges, 6);

    auto rows = store::load_exchanges(db, s.recording_id);
    ASSERT_EQ(rows.size(), 6u);
    const std::vector<std::string> methods{"GET", "GET", "GET", "POST", "GET", "GET"};
    const std::vector<std::int64_t> statuses{200, 200, 200, 201, 200, 200};
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      EXPECT_EQ(r.method, methods[i]) << i;
      EXPECT_EQ(r.status, statuses[i]) << i;
      EXPECT_EQ(r.scheme, "http");
      EXPECT_EQ(r.host, "127.0.0.1");
      EXPECT_EQ(r.http_version, "1.1");
      EXPECT_FALSE(r.error) << *r.error;
      ASSERT_TRUE(r.ttfb_us && r.total_us) << i;
      EXPECT_LE(*r.ttfb_us, *r.total_us + 1);
      EXPECT_GT(r.started_us, 1'700'000'000'000'000);
      EXPECT_FALSE(r.response_body_truncated) << i;
      EXPECT_EQ(static_cast<std::int64_t>(r.response_body.size()), r.response_body_size) << i;
      EXPECT_EQ(r.connection_id, 0);  // Playwright writes no connection ids
      EXPECT_EQ(r.seq, static_cast<std::int64_t>(i + 1));
      if (i > 0) {
        EXPECT_GE(r.started_us, rows[i - 1].started_us);
      }
    }
    EXPECT_EQ(rows[0].path, "/dashboard");
    EXPECT_EQ(rows[1].path, "/agents");
    EXPECT_EQ(rows[2].path, "/status");
    EXPECT_EQ(rows[3].path, "/api/sessions");
    EXPECT_TRUE(rows[4].path.starts_with("/api/sessions/session-") && rows[4].path.ends_with("/history"))
        << rows[4].path;
    EXPECT_EQ(rows[5].path, "/api/health");
    EXPECT_EQ(rows[0].response_body_size, 124937);  // the stand-in's dashboard, whole
    EXPECT_NE(rows[0].response_body.find("<html"), std::string::npos);
    EXPECT_EQ(rows[3].request_body, R"({"title":"HAR fixture session"})");
    EXPECT_EQ(rows[3].request_body_size, 31);
    EXPECT_NE(rows[3].response_body.find("\"session_id\""), std::string::npos);
    // The session the POST made is the one the history call asked for.
    auto created = json::parse(rows[3].response_body).as_object();
    EXPECT_EQ(rows[4].path, "/api/sessions/" + std::string(created.at("session_id").as_string()) + "/history");

    // Visitors: the API key's holder, and the pages as the file's one visitor.
    EXPECT_TRUE(rows[3].visitor.starts_with("credential:")) << rows[3].visitor;
    EXPECT_EQ(rows[4].visitor, rows[3].visitor);
    EXPECT_EQ(rows[5].visitor, "har:" + har.filename().string());  // /api/health is sent without the key
    EXPECT_EQ(rows[0].visitor, "har:" + har.filename().string());
    EXPECT_NE(rows[3].request_headers.find(R"(["X-API-Key","[redacted:)"), std::string::npos) << rows[3].request_headers;
  }
  // The secret is nowhere on disk: not in the file, not in its WAL.
  EXPECT_EQ(disk_bytes(o.db_path).find("fixture-secret-key"), std::string::npos);
}

TEST_F(HarTest, InvalidFixtureIsRefusedWithItsJsonPathAndNothingWritten) {
  HarImportOptions o;
  o.har_path = (kFixtures / "invalid-missing-url.har").string();
  o.db_path = path("never.db");
  try {
    import_har(o);
    FAIL() << "imported a HAR without a request url";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), o.har_path + ": log.entries[1].request.url: missing");
  }
  EXPECT_FALSE(fs::exists(o.db_path));
  EXPECT_FALSE(fs::exists(o.db_path + "-wal"));
}

TEST_F(HarTest, BadDocumentsNameThePath) {
  Redactor r("k");
  auto entry = [](std::string started, std::string request, std::string response, std::string timings) {
    return R"({"log":{"version":"1.2","entries":[{"startedDateTime":)" + started + R"(,"time":5,"request":)" +
           request + response + R"(,"timings":)" + timings + "}]}}";
  };
  const std::string req =
      R"({"method":"GET","url":"http://h/p","httpVersion":"HTTP/1.1","headers":[],"queryString":[]})";
  const std::string res =
      R"(,"response":{"status":200,"headers":[],"content":{"size":0,"mimeType":"text/plain"}})";
  const std::string tim = R"({"send":0,"wait":1,"receive":1})";
  const std::string ok = R"("2024-05-01T12:00:00.000Z")";
  ASSERT_NO_THROW(parse_har(entry(ok, req, res, tim), "f.har", r));

  struct Case {
    std::string doc, message;
  };
  const std::vector<Case> cases{
      {"{\"log\": [1,\n 2", "f.har: not JSON (line 2"},
      {"[]", "f.har: (document): must be an object (got an array)"},
      {"{}", "f.har: log: missing"},
      {R"({"log":{"version":"2.0","entries":[]}})", "f.har: log.version: must be \"1.2\" or \"1.1\" (got \"2.0\")"},
      {R"({"log":{"version":"1.2"}})", "f.har: log.entries: missing"},
      {R"({"log":{"version":"1.2","entries":[]}})", "f.har: log.entries: no HTTP exchange to import (0 entries)"},
      {R"({"log":{"version":"1.2","entries":[7]}})", "f.har: log.entries[0]: must be an object (got a number)"},
      {entry(R"("yesterday")", req, res, tim),
       "f.har: log.entries[0].startedDateTime: must be an ISO 8601 date and time with an offset"},
      {entry(R"("2024-05-01T12:00:00")", req, res, tim), "f.har: log.entries[0].startedDateTime: must be"},
      {entry(ok, R"({"method":"GET","url":"http://h/p","httpVersion":"HTTP/1.1","headers":[{"name":"a"}],"queryString":[]})",
             res, tim),
       "f.har: log.entries[0].request.headers[0].value: missing"},
      {entry(ok, R"({"method":"GET","url":"/p","httpVersion":"HTTP/1.1","headers":[],"queryString":[]})", res, tim),
       "f.har: log.entries[0].request.url: must be an absolute URL"},
      {entry(ok, req, R"(,"response":{"status":"200","headers":[],"content":{"size":0}})", tim),
       "f.har: log.entries[0].response.status: must be a number (got a string)"},
      {entry(ok, req, R"(,"response":{"status":200,"headers":[],"content":{"size":1,"text":"*","encoding":"base64"}})", tim),
       "f.har: log.entries[0].response.content.text: not valid base64"},
      {entry(ok, req, R"(,"response":{"status":200,"headers":[],"content":{"size":1,"text":"x","encoding":"gzip"}})", tim),
       "f.har: log.entries[0].response.content.encoding: must be \"base64\""},
      {entry(ok, req, res, R"({"send":0,"receive":1})"), "f.har: log.entries[0].timings.wait: missing"},
      {entry(ok,
             R"({"method":"POST","url":"http://h/p","httpVersion":"HTTP/1.1","headers":[],"queryString":[],"postData":{"text":"x"}})",
             res, tim),
       "f.har: log.entries[0].request.postData.mimeType: missing"},
      {entry(ok, R"({"method":"GET","url":"data:text/plain,hi","httpVersion":"","headers":[],"queryString":[]})", res, tim),
       "f.har: log.entries: no HTTP exchange to import (1 entries; 1 skipped: data: URL, not HTTP)"},
  };
  for (const auto& c : cases) {
    try {
      parse_har(c.doc, "f.har", r);
      ADD_FAILURE() << "accepted: " << c.doc;
    } catch (const UsageError& e) {
      EXPECT_TRUE(std::string(e.what()).starts_with(c.message)) << e.what() << "\n  expected: " << c.message;
    }
  }
}

TEST_F(HarTest, BrowserConventions) {
  Redactor r("k");
  // Offsets, microseconds, -1 timings, a failed request (Chrome's status 0 and _error), a missing
  // response, an entry served from the cache, a WebSocket with messages, credentials in the URL.
  const std::string doc = R"({"log":{"version":"1.2","entries":[
    {"startedDateTime":"2024-05-01T14:00:00.123456+02:00","time":12.5,"connection":"42",
     "request":{"method":"GET","url":"https://user:pw@Example.test:8443/a/b?api_key=K&q=1#frag","httpVersion":"h2",
                "headers":[{"name":":authority","value":"example.test"},{"name":"Authorization","value":"Bearer T"}],
                "queryString":[]},
     "response":{"status":204,"headers":[{"name":"Set-Cookie","value":"sid=S"}],"content":{"size":-1,"mimeType":"x-unknown"}},
     "timings":{"blocked":2,"dns":-1,"connect":-1,"ssl":-1,"send":0.5,"wait":7,"receive":3}},
    {"startedDateTime":"2024-05-01T12:00:01Z","time":-1,
     "request":{"method":"GET","url":"http://example.test/down","httpVersion":"HTTP/1.1","headers":[],"queryString":[]},
     "response":{"status":0,"headers":[],"content":{"size":0,"mimeType":""},"_error":"net::ERR_CONNECTION_REFUSED"},
     "timings":{"send":-1,"wait":-1,"receive":-1}},
    {"startedDateTime":"2024-05-01T12:00:02Z","time":1,
     "request":{"method":"GET","url":"http://example.test/gone","httpVersion":"HTTP/1.1","headers":[],"queryString":[]},
     "timings":{"send":0,"wait":1,"receive":0}},
    {"startedDateTime":"2024-05-01T12:00:03Z","time":0,"_fromCache":"memory",
     "request":{"method":"GET","url":"http://example.test/app.js","httpVersion":"HTTP/1.1","headers":[],"queryString":[]},
     "response":{"status":200,"headers":[],"content":{"size":3,"mimeType":"text/javascript","text":"x=1"}},
     "timings":{"send":0,"wait":0,"receive":0}},
    {"startedDateTime":"2024-05-01T12:00:04Z","time":100,"_resourceType":"websocket",
     "_webSocketMessages":[{"type":"send","time":1,"opcode":1,"data":"hi"},{"type":"receive","time":2,"opcode":1,"data":"yo"}],
     "request":{"method":"GET","url":"ws://example.test/ws/chat/1","httpVersion":"HTTP/1.1","headers":[],"queryString":[]},
     "response":{"status":101,"headers":[],"content":{"size":0,"mimeType":"x-unknown"}},
     "timings":{"send":0,"wait":3,"receive":0}}]}})";
  auto parsed = parse_har(doc, "dir/session.har", r);
  const auto& s = parsed.summary;
  EXPECT_EQ(s.entries, 5u);
  EXPECT_EQ(s.exchanges, 4u);
  EXPECT_EQ(s.skipped, 1u);
  EXPECT_EQ(s.websocket_entries, 1u);
  EXPECT_EQ(s.websocket_messages, 2u);
  ASSERT_EQ(parsed.rows.size(), 4u);
  const auto& a = parsed.rows[0];
  EXPECT_EQ(a.started_us, 1714564800123456);  // 12:00:00.123456 UTC
  EXPECT_EQ(a.ttfb_us, 9500);                  // blocked 2 + send 0.5 + wait 7
  EXPECT_EQ(a.total_us, 12500);
  EXPECT_EQ(a.scheme, "https");
  EXPECT_EQ(a.host, "Example.test:8443");  // no user:pw
  EXPECT_EQ(a.path, "/a/b");
  EXPECT_EQ(a.query, "api_key=" + r.marker("K") + "&q=1");
  EXPECT_EQ(a.http_version, "2");
  EXPECT_EQ(a.connection_id, 42);
  EXPECT_EQ(a.status, 204);
  EXPECT_EQ(a.request_headers, R"([["Authorization",")" + r.marker("Bearer T") + "\"]]");
  EXPECT_EQ(a.response_headers, R"([["Set-Cookie",")" + r.marker("sid=S") + "\"]]");
  EXPECT_EQ(a.visitor, "credential:" + r.digest("Bearer T"));
  const auto& down = parsed.rows[1];
  EXPECT_FALSE(down.status);
  EXPECT_EQ(down.error, "net::ERR_CONNECTION_REFUSED");
  EXPECT_FALSE(down.ttfb_us);
  EXPECT_FALSE(down.total_us);
  EXPECT_EQ(down.visitor, "har:session.har");
  const auto& gone = parsed.rows[2];
  EXPECT_FALSE(gone.status);
  EXPECT_EQ(gone.error, "no response in the HAR");
  EXPECT_EQ(parsed.rows[3].scheme, "ws");
  EXPECT_EQ(parsed.rows[3].status, 101);
  EXPECT_NE(format_import_summary(s, "x.db").find("their 2 messages (_webSocketMessages) were not imported"),
            std::string::npos);
}

// Rows as the recorder writes them, with the awkward cases: markers, binary bodies, truncation,
// no response, an HTTP/1.0 request, a form body.
std::vector<store::ExchangeRow> sample_rows(std::int64_t recording_id) {
  const std::string m1 = "[redacted:0123456789abcdef]", m2 = "[redacted:fedcba9876543210]",
                    m3 = "[redacted:00112233445566aa]";
  std::vector<store::ExchangeRow> rows;
  store::ExchangeRow a;
  a.recording_id = recording_id;
  a.visitor = "credential:0011223344556677";
  a.connection_id = 3;
  a.seq = 1;
  a.client_addr = "127.0.0.1:50123";
  a.started_us = 1'700'000'000'123'456;
  a.ttfb_us = 1'501;
  a.total_us = 2'753;
  a.method = "GET";
  a.host = "127.0.0.1:5000";
  a.path = "/api/engine/sessions";
  a.query = "search=caf%C3%A9+x&api_key=" + m1 + "&limit=20";
  a.request_headers = R"([["Host","127.0.0.1:5000"],["Authorization",")" + m2 + R"("],["Cookie",")" + m3 +
                      R"("],["Accept","application/json"]])";
  a.status = 200;
  a.response_headers = R"([["Content-Type","application/json"],["X-Response-Time-Ms","0.12"]])";
  a.response_body = R"({"sessions":[{"id":"s1","title":"Café ☕ 😀"}],"token":")" + m1 + R"(","n":2})";
  a.response_body_size = static_cast<std::int64_t>(a.response_body.size());
  rows.push_back(a);

  store::ExchangeRow b = a;  // binary both ways, HTTP/1.0
  b.seq = 2;
  b.started_us += 10'000'777;
  b.method = "PUT";
  b.path = "/upload/image.png";
  b.query = "";
  b.http_version = "1.0";
  b.request_headers = R"([["Content-Type","application/octet-stream"]])";
  b.request_body = std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe\x80", 19);
  b.request_body_size = static_cast<std::int64_t>(b.request_body.size());
  b.status = 201;
  b.response_headers = R"([["Content-Type","image/png"]])";
  b.response_body = std::string("\0\x01\x02\xc3\x28 not utf-8 \xf0\x28\x8c\xbc", 19);
  b.response_body_size = static_cast<std::int64_t>(b.response_body.size());
  rows.push_back(b);

  store::ExchangeRow c = a;  // truncated both ways, a form body with a redacted password
  c.visitor = "connection:7";
  c.connection_id = 7;
  c.seq = 1;
  c.started_us += 20'000'001;
  c.method = "POST";
  c.path = "/login";
  c.query = "";
  c.request_headers = R"([["Content-Type","application/x-www-form-urlencoded"]])";
  c.request_body = "user=ann&password=" + m2 + "&note=abc";
  c.request_body_size = 4096;
  c.request_body_truncated = true;
  c.response_headers = R"([["Content-Type","text/html; charset=utf-8"],["Set-Cookie",")" + m3 + R"("]])";
  c.response_body = "<html><body>" + std::string(1000, 'x');
  c.response_body_size = 250'000;
  c.response_body_truncated = true;
  rows.push_back(c);

  store::ExchangeRow d = a;  // no response: the upstream timed out
  d.seq = 3;
  d.started_us += 30'000'000;
  d.method = "DELETE";
  d.path = "/api/sessions/s1";
  d.query = "";
  d.request_headers = "[]";
  d.status.reset();
  d.ttfb_us.reset();
  d.total_us = 120'000'321;
  d.response_headers = "[]";
  d.response_body.clear();
  d.response_body_size = 0;
  d.error = "the upstream http://127.0.0.1:5000 did not answer in time";
  rows.push_back(d);

  store::ExchangeRow e = a;  // a 502 that says why, with a JSON body
  e.seq = 4;
  e.started_us += 40'000'000;
  e.status = 502;
  e.query = "";
  e.response_body = R"({"error":"bad gateway"})";
  e.response_body_size = 23;
  e.error = "relaying the response failed: end of stream";
  rows.push_back(e);
  return rows;
}

std::int64_t store_rows(const std::string& db_path, std::vector<store::ExchangeRow> rows) {
  store::Database db(db_path);
  store::Database::Transaction tx(db);
  store::RecordingStart start;
  start.label = "nightly";
  start.upstream = "http://127.0.0.1:5000";
  start.listen = "127.0.0.1:8080";
  start.visitor_rule = "credential";
  start.started_us = rows.front().started_us;
  auto id = store::begin_recording(db, start);
  for (auto& r : rows) r.recording_id = id;
  store::insert_exchanges(db, rows);
  store::end_recording(db, id, {"ended", static_cast<std::int64_t>(rows.size()), 0, 0});
  tx.commit();
  return id;
}

void expect_same_exchange(const store::ExchangeRow& want, const store::ExchangeRow& got) {
  SCOPED_TRACE(want.method + " " + want.path);
  EXPECT_EQ(got.method, want.method);
  EXPECT_EQ(got.scheme, want.scheme);
  EXPECT_EQ(got.host, want.host);
  EXPECT_EQ(got.path, want.path);
  EXPECT_EQ(got.query, want.query);
  EXPECT_EQ(got.http_version, want.http_version);
  EXPECT_EQ(got.request_headers, want.request_headers);
  EXPECT_EQ(got.request_body, want.request_body);
  EXPECT_EQ(got.request_body_size, want.request_body_size);
  EXPECT_EQ(got.request_body_truncated, want.request_body_truncated);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.response_headers, want.response_headers);
  EXPECT_EQ(got.response_body, want.response_body);
  EXPECT_EQ(got.response_body_size, want.response_body_size);
  EXPECT_EQ(got.response_body_truncated, want.response_body_truncated);
  EXPECT_EQ(got.error, want.error);
  // HAR's startedDateTime holds milliseconds; durations go as fractional milliseconds.
  EXPECT_EQ(got.started_us / 1000, want.started_us / 1000);
  EXPECT_EQ(got.ttfb_us, want.ttfb_us);
  EXPECT_EQ(got.total_us, want.total_us);
  EXPECT_EQ(got.visitor, want.visitor);
  EXPECT_EQ(got.connection_id, want.connection_id);
  EXPECT_EQ(got.seq, want.seq);
  EXPECT_EQ(got.client_addr, want.client_addr);
}

TEST_F(HarTest, ExportThenImportGivesTheSameRows) {
  const auto rows = sample_rows(0);
  const auto id = store_rows(path("a.db"), rows);
  HarExportOptions eo;
  eo.db_path = path("a.db");
  eo.recording_id = id;
  eo.out_path = path("out.har");
  auto es = export_har(eo);
  EXPECT_EQ(es.entries, rows.size());
  EXPECT_EQ(es.base64_bodies, 2u);
  EXPECT_EQ(es.truncated_bodies, 2u);
  EXPECT_FALSE(fs::exists(eo.out_path + ".tmp"));
  ASSERT_TRUE(fs::exists(eo.out_path));

  // A HAR 1.2 document as readers expect it.
  const auto text = read_bytes(eo.out_path);
  EXPECT_EQ(es.file_bytes, text.size());
  auto doc = json::parse(text).as_object();
  const auto& log = doc.at("log").as_object();
  EXPECT_EQ(log.at("version"), "1.2");
  EXPECT_EQ(log.at("creator").at("name"), "aria-harness");
  const auto& entries = log.at("entries").as_array();
  ASSERT_EQ(entries.size(), rows.size());
  const auto& e0 = entries[0].as_object();
  EXPECT_EQ(e0.at("startedDateTime"), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(e0.at("request").at("url"),
            "http://127.0.0.1:5000/api/engine/sessions?search=caf%C3%A9+x&api_key=[redacted:0123456789abcdef]&limit=20");
  EXPECT_EQ(e0.at("request").at("queryString").as_array()[0], (json::object{{"name", "search"}, {"value", "café x"}}));
  EXPECT_EQ(e0.at("response").at("statusText"), "OK");
  EXPECT_EQ(e0.at("response").at("content").at("mimeType"), "application/json");
  EXPECT_EQ(e0.at("time").to_number<double>(), 2.753);
  EXPECT_EQ(e0.at("timings").at("wait").to_number<double>(), 1.501);
  const auto& e1 = entries[1].as_object();
  EXPECT_EQ(e1.at("request").at("httpVersion"), "HTTP/1.0");
  EXPECT_EQ(e1.at("request").at("postData").at("encoding"), "base64");
  EXPECT_EQ(e1.at("response").at("content").at("encoding"), "base64");
  EXPECT_TRUE(e1.at("response").at("content").at("text").as_string().starts_with("AAEC"));
  const auto& e2 = entries[2].as_object();
  EXPECT_EQ(e2.at("response").at("content").at("size"), 250000);
  EXPECT_TRUE(e2.at("response").at("content").at("comment").as_string().starts_with("truncated"));
  EXPECT_TRUE(e2.at("request").at("postData").at("comment").as_string().starts_with("truncated"));
  const auto& e3 = entries[3].as_object();
  EXPECT_EQ(e3.at("response").at("status"), 0);
  EXPECT_EQ(e3.at("response").at("_error"), "the upstream http://127.0.0.1:5000 did not answer in time");

  // And back.
  HarImportOptions io;
  io.har_path = eo.out_path;
  io.db_path = path("b.db");
  auto is = import_har(io);
  EXPECT_EQ(is.exchanges, rows.size());
  store::Database b(io.db_path);
  auto back = store::load_exchanges(b, is.recording_id);
  ASSERT_EQ(back.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) expect_same_exchange(rows[i], back[i]);

  // Exported again, the entries are the same bytes (the log's comment names the recording).
  HarExportOptions again = eo;
  again.db_path = io.db_path;
  again.recording_id = is.recording_id;
  again.out_path = path("again.har");
  export_har(again);
  auto doc2 = json::parse(read_bytes(again.out_path)).as_object();
  EXPECT_EQ(doc2.at("log").at("entries"), log.at("entries"));
}

TEST_F(HarTest, ExportOfAnUnknownRecordingOrStoreIsRefused) {
  const auto id = store_rows(path("a.db"), sample_rows(0));
  HarExportOptions eo;
  eo.db_path = path("a.db");
  eo.recording_id = id + 1;
  eo.out_path = path("out.har");
  try {
    export_har(eo);
    FAIL() << "exported a recording that does not exist";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(fmt::format("--recording {}: no such recording", id + 1)), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(eo.out_path));
  EXPECT_FALSE(fs::exists(eo.out_path + ".tmp"));

  eo.db_path = path("missing.db");
  EXPECT_THROW(export_har(eo), UsageError);
  EXPECT_FALSE(fs::exists(eo.db_path));

  eo.db_path = path("a.db");
  eo.recording_id = id;
  eo.out_path = path("no-such-dir/out.har");
  EXPECT_THROW(export_har(eo), UsageError);
}

}  // namespace
}  // namespace aria::recorder
