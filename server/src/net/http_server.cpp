#include "net/http_server.hpp"

#include "net/rate_limiter.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <deque>
#include <exception>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace mgs::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t kMaxHeaderBytes = std::size_t{8} * 1024;
constexpr std::size_t kMaxBodyBytes = std::size_t{64} * 1024;
// Whole time allowed to receive one request (and to send one response): slow clients lose the slot.
constexpr auto kRequestTimeout = std::chrono::seconds(30);
// After a response that ends the connection, unread request bytes are drained for this long (at
// most kLingerMaxBytes) so that closing does not reset the connection before the client has read
// the response (a 413 while the client is still uploading, for instance).
constexpr auto kLingerTimeout = std::chrono::seconds(1);
constexpr std::size_t kLingerMaxBytes = std::size_t{256} * 1024;
constexpr std::size_t kLingerChunkBytes = 4096;
// stop(): how long WebSocket close handshakes may take before the sockets are dropped.
constexpr auto kStopGrace = std::chrono::seconds(2);
// Accepting fails while the process is out of file descriptors; retrying at once would spin.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr std::uint16_t kCloseNormal = 1000;      // RFC 6455 section 7.4.1
constexpr std::uint16_t kCloseGoingAway = 1001;   // RFC 6455 section 7.4.1
constexpr std::size_t kMaxCloseReasonBytes = 123; // RFC 6455 section 5.5: 125-byte payload - 2-byte code
constexpr std::string_view kServerName = "mgs";
constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";

constexpr std::string_view kBuiltinPage = R"(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>mgs</title></head>
<body>
<h1>mgs</h1>
<p>mgs server is running; the web client is not built.</p>
<ul>
<li><a href="/healthz">/healthz</a></li>
<li><a href="/metrics">/metrics</a></li>
</ul>
</body>
</html>
)";

// Shared by every server of the process so that session ids are unique even across servers.
std::atomic<std::uint64_t> next_session_id{1};

std::int64_t steady_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::string_view to_std(beast::string_view s) noexcept {
    return {s.data(), s.size()};
}

std::string ip_text(const asio::ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
    }
    return address.to_string();
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Percent-decodes a request path. Empty on a malformed escape.
std::optional<std::string> percent_decode(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (i + 2 >= in.size()) return std::nullopt;
        const int hi = hex_value(in[i + 1]);
        const int lo = hex_value(in[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

enum class PathCheck : std::uint8_t { Ok, Bad, Hidden };

// A decoded path must be absolute, free of NUL and backslashes, and made of non-empty segments
// other than "." and ".." (a trailing slash is allowed). Segments starting with '.' are dot files:
// they exist in build trees (.git, .env) and are never served.
PathCheck check_path(std::string_view path) noexcept {
    if (path.empty() || path.front() != '/') return PathCheck::Bad;
    if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos) {
        return PathCheck::Bad;
    }
    bool hidden = false;
    std::size_t start = 1;
    while (start <= path.size()) {
        const std::size_t end = std::min(path.find('/', start), path.size());
        const std::string_view segment = path.substr(start, end - start);
        if (segment.empty() && end != path.size()) return PathCheck::Bad; // "//"
        if (segment == "." || segment == "..") return PathCheck::Bad;
        if (!segment.empty() && segment.front() == '.') hidden = true;
        start = end + 1;
    }
    return hidden ? PathCheck::Hidden : PathCheck::Ok;
}

bool is_within(const std::filesystem::path& root, const std::filesystem::path& path) {
    const auto [r, p] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
    return r == root.end();
}

bool sendable_close_code(std::uint16_t code) noexcept {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

bool is_http_parse_error(const error_code& ec) noexcept {
    return ec.category() == http::make_error_code(http::error::bad_target).category();
}

/// Per-server metric handles, registered once by the constructor.
struct ServerMetrics {
    explicit ServerMetrics(metrics::Registry& r) {
        static constexpr std::array<unsigned, 11> kCodes{101, 200, 400, 404, 405, 413,
                                                         426, 429, 431, 500, 503};
        for (const unsigned code : kCodes) {
            by_code.emplace_back(code, &r.counter("mgs_http_requests_total",
                                                  "HTTP requests answered, by status code.",
                                                  {{"code", std::to_string(code)}}));
        }
        other_code = &r.counter("mgs_http_requests_total", "HTTP requests answered, by status code.",
                                {{"code", "other"}});
        const auto rejected = [&r](const char* reason) {
            return &r.counter("mgs_http_rejected_total", "Connections or messages refused, by reason.",
                              {{"reason", reason}});
        };
        rejected_max_connections = rejected("max_connections");
        rejected_header = rejected("header_too_large");
        rejected_body = rejected("body_too_large");
        rejected_bad_request = rejected("bad_request");
        rejected_ws_too_big = rejected("ws_message_too_big");
        rejected_ws_queue = rejected("ws_send_queue_full");
        ws_sessions = &r.gauge("mgs_ws_sessions", "Open WebSocket sessions.");
        connections = &r.gauge("mgs_net_connections", "Open HTTP and WebSocket sockets.");
        rate_limited =
            &r.counter("mgs_signaling_rate_limited_total",
                       "WebSocket upgrades and signaling messages refused by the per-address rate limit.");
    }

    void request(unsigned code) const noexcept {
        for (const auto& [c, counter] : by_code) {
            if (c == code) {
                counter->inc();
                return;
            }
        }
        other_code->inc();
    }

    std::vector<std::pair<unsigned, metrics::Counter*>> by_code;
    metrics::Counter* other_code;
    metrics::Counter* rejected_max_connections;
    metrics::Counter* rejected_header;
    metrics::Counter* rejected_body;
    metrics::Counter* rejected_bad_request;
    metrics::Counter* rejected_ws_too_big;
    metrics::Counter* rejected_ws_queue;
    metrics::Gauge* ws_sessions;
    metrics::Gauge* connections;
    metrics::Counter* rate_limited;
};

class HttpSession;

/// One counted socket against max_connections; moves from the HTTP session to the WebSocket
/// session on upgrade. Released when the socket is closed, even if someone still holds the session.
class ConnectionSlot {
public:
    explicit ConnectionSlot(std::shared_ptr<HttpServer::State> state);
    ConnectionSlot(ConnectionSlot&& other) noexcept : state_(std::move(other.state_)) {}
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(ConnectionSlot&&) = delete;
    ~ConnectionSlot() { release(); }
    void release() noexcept;

private:
    std::shared_ptr<HttpServer::State> state_;
};

} // namespace

struct HttpServer::State {
    struct Route {
        std::string content_type;
        std::function<std::string()> body;
    };

    State(asio::io_context& io_, HttpConfig config_, metrics::Registry& registry, WsHandler& handler_)
        : io(io_), config(std::move(config_)), handler(handler_), metrics(registry),
          limiter({config.signaling_rate_per_s, config.signaling_burst, config.rate_limit_max_keys}),
          acceptor(io_), accept_retry(io_), stop_timer(io_) {
        // Beast reads 0 as "no limit", which is never what a configuration means here.
        if (config.ws_max_message_bytes == 0)
            throw std::invalid_argument("http: ws_max_message_bytes must be >= 1");
        if (config.max_connections == 0) throw std::invalid_argument("http: max_connections must be >= 1");
    }

    // When stop() is waiting for sockets to finish closing and the last one has: drop the timer
    // so that the io_context runs out of work.
    void maybe_stop_done() {
        if (stopped && http_sessions.empty() && ws_sessions.empty()) stop_timer.cancel();
    }

    asio::io_context& io;
    HttpConfig config;
    WsHandler& handler;    // never called once `stopped`
    ServerMetrics metrics; // never touched once `stopped` (the Registry may be gone)
    RateLimiter limiter;
    tcp::acceptor acceptor;
    asio::steady_timer accept_retry;
    asio::steady_timer stop_timer;
    std::unordered_map<std::string, Route> routes;
    std::unordered_map<std::uint64_t, std::weak_ptr<HttpSession>> http_sessions;
    std::unordered_map<std::uint64_t, std::weak_ptr<WsSession>> ws_sessions;
    std::size_t connections = 0;
    std::uint16_t port = 0;
    bool started = false;
    bool stopped = false;
};

ConnectionSlot::ConnectionSlot(std::shared_ptr<HttpServer::State> state) : state_(std::move(state)) {
    ++state_->connections;
    state_->metrics.connections->add(1.0);
}

void ConnectionSlot::release() noexcept {
    if (!state_) return;
    --state_->connections;
    if (!state_->stopped) state_->metrics.connections->add(-1.0);
    state_.reset();
}

// ---------------------------------------------------------------------------------------------
// WebSocket session

struct WsSession::Impl {
    //   Handshake ──accept ok──► Open ──close()/stop()──► Closing ──socket done──► Done
    //       └──────────────── failure / socket error (any phase) ───────────────────┘
    enum class Phase : std::uint8_t { Handshake, Open, Closing, Done };

    struct Outgoing {
        std::string text;
        std::vector<std::uint8_t> binary;
        bool is_binary = false;
        [[nodiscard]] std::size_t size() const noexcept { return is_binary ? binary.size() : text.size(); }
    };

    Impl(WsSession& owner, std::shared_ptr<HttpServer::State> state, beast::tcp_stream&& stream,
         ConnectionSlot&& slot, std::string limit_key)
        : owner_(owner), state_(std::move(state)), ws_(std::move(stream)), slot_(std::move(slot)),
          limit_key_(std::move(limit_key)) {}

    static std::shared_ptr<WsSession> create(std::shared_ptr<HttpServer::State> state,
                                             beast::tcp_stream&& stream, ConnectionSlot&& slot,
                                             std::uint64_t id, std::string ip, std::uint16_t port,
                                             std::string limit_key) {
        std::shared_ptr<WsSession> session(new WsSession(id, std::move(ip), port));
        session->impl_ = std::make_unique<Impl>(*session, std::move(state), std::move(stream),
                                                std::move(slot), std::move(limit_key));
        session->impl_->state_->ws_sessions.emplace(id, session);
        return session;
    }

    static Impl& of(WsSession& session) noexcept { return *session.impl_; }

    void accept(const http::request<http::string_body>& req) {
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
            res.set(http::field::server, beast::string_view(kServerName.data(), kServerName.size()));
        }));
        websocket::permessage_deflate deflate;
        deflate.server_enable = false;
        deflate.client_enable = false;
        ws_.set_option(deflate);
        ws_.read_message_max(state_->config.ws_max_message_bytes);
        // The websocket stream keeps its own timers; the HTTP deadline must not cut it.
        beast::get_lowest_layer(ws_).expires_never();
        ws_.async_accept(req,
                         [self = owner_.shared_from_this()](error_code ec) { self->impl_->on_accept(ec); });
    }

    void on_accept(error_code ec) {
        if (ec || phase_ != Phase::Handshake || state_->stopped) {
            if (ec && !state_->stopped && ec != asio::error::operation_aborted) {
                state_->metrics.rejected_bad_request->inc();
            }
            finish();
            return;
        }
        phase_ = Phase::Open;
        opened_ = true;
        state_->metrics.request(101);
        state_->metrics.ws_sessions->add(1.0);
        state_->handler.on_open(owner_.shared_from_this());
        do_read();
    }

    void do_read() {
        ws_.async_read(buffer_, [self = owner_.shared_from_this()](error_code ec, std::size_t) {
            self->impl_->on_read(ec);
        });
    }

    void on_read(error_code ec) {
        if (ec) {
            if (ec == websocket::error::message_too_big && !state_->stopped) {
                state_->metrics.rejected_ws_too_big->inc(); // beast has sent close 1009
            }
            finish();
            return;
        }
        if (phase_ == Phase::Open && !state_->stopped) {
            const auto self = owner_.shared_from_this();
            const bool binary = ws_.got_binary();
            if (!binary && !state_->limiter.allow(limit_key_, steady_now_ms())) {
                state_->metrics.rate_limited->inc();
                state_->handler.on_rate_limited(self);
            } else {
                const auto data = buffer_.data();
                state_->handler.on_message(
                    self, std::string_view(static_cast<const char*>(data.data()), data.size()), binary);
            }
        }
        // After close(), keep reading: the peer's close frame (or an error) ends the loop.
        buffer_.consume(buffer_.size());
        if (phase_ != Phase::Done) do_read();
    }

    void enqueue(Outgoing message) {
        if (phase_ != Phase::Open) return;
        if (queued_bytes_ + message.size() > state_->config.ws_max_send_queue_bytes) {
            // The peer does not read: waiting for it would let it pin memory.
            if (!state_->stopped) state_->metrics.rejected_ws_queue->inc();
            spdlog::warn("ws {}: send queue over {} bytes, dropping {}:{}", owner_.id(),
                         state_->config.ws_max_send_queue_bytes, owner_.remote_ip(), owner_.remote_port());
            abort();
            return;
        }
        queued_bytes_ += message.size();
        queue_.push_back(std::move(message));
        if (!writing_) do_write();
    }

    void do_write() {
        writing_ = true;
        const Outgoing& front = queue_.front();
        ws_.binary(front.is_binary);
        const auto buffer = front.is_binary ? asio::buffer(front.binary) : asio::buffer(front.text);
        ws_.async_write(buffer, [self = owner_.shared_from_this()](error_code ec, std::size_t) {
            self->impl_->on_write(ec);
        });
    }

    void on_write(error_code ec) {
        writing_ = false;
        if (phase_ == Phase::Done) return;
        if (ec) {
            abort();
            return;
        }
        queued_bytes_ -= queue_.front().size();
        queue_.pop_front();
        if (!queue_.empty()) {
            do_write();
        } else if (close_reason_ && !close_started_) {
            start_close();
        }
    }

    void request_close(std::uint16_t code, std::string reason) {
        if (phase_ != Phase::Open) return;
        phase_ = Phase::Closing;
        if (reason.size() > kMaxCloseReasonBytes) reason.resize(kMaxCloseReasonBytes);
        // Not close_reason::reason.assign(ptr, n): Boost 1.74's static_string leaves it empty.
        close_reason_.emplace(
            static_cast<websocket::close_code>(sendable_close_code(code) ? code : kCloseNormal),
            beast::string_view(reason.data(), reason.size()));
        if (!writing_) start_close();
    }

    void start_close() {
        close_started_ = true;
        // The read loop sees the end of the handshake (or its failure) and finishes the session.
        ws_.async_close(*close_reason_, [self = owner_.shared_from_this()](error_code) {});
    }

    // Drops the socket at once; the pending read fails and finish() follows.
    void abort() {
        if (phase_ == Phase::Done) return;
        phase_ = Phase::Closing;
        beast::get_lowest_layer(ws_).close();
    }

    // HttpServer::stop(): close with 1001 after the write in flight, and tell the handler now.
    void shutdown_for_stop() {
        switch (phase_) {
        case Phase::Handshake:
            abort();
            break;
        case Phase::Open:
            while (queue_.size() > (writing_ ? 1U : 0U)) {
                queued_bytes_ -= queue_.back().size();
                queue_.pop_back();
            }
            request_close(kCloseGoingAway, "server shutting down");
            break;
        case Phase::Closing:
        case Phase::Done:
            break;
        }
        notify_close(true);
    }

    void finish() {
        if (phase_ == Phase::Done) return;
        phase_ = Phase::Done;
        queue_.clear();
        queued_bytes_ = 0;
        // Beast's ping/idle timer outlives the socket while someone holds the session; without
        // this, it would keep the io_context busy (and stop() waiting) for up to the idle timeout.
        ws_.set_option(websocket::stream_base::timeout{websocket::stream_base::none(),
                                                       websocket::stream_base::none(), false});
        beast::get_lowest_layer(ws_).close();
        slot_.release();
        state_->ws_sessions.erase(owner_.id());
        notify_close(!state_->stopped);
        state_->maybe_stop_done();
    }

    void notify_close(bool call_handler) {
        if (!opened_ || close_notified_) return;
        close_notified_ = true;
        if (!call_handler) return;
        state_->metrics.ws_sessions->add(-1.0);
        state_->handler.on_close(owner_.shared_from_this());
    }

    WsSession& owner_;
    std::shared_ptr<HttpServer::State> state_;
    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
    ConnectionSlot slot_;
    std::string limit_key_;
    std::deque<Outgoing> queue_; // front = the message being written when writing_
    std::size_t queued_bytes_ = 0;
    std::optional<websocket::close_reason> close_reason_;
    Phase phase_ = Phase::Handshake;
    bool writing_ = false;
    bool close_started_ = false;
    bool opened_ = false;
    bool close_notified_ = false;
};

WsSession::WsSession(std::uint64_t id, std::string remote_ip, std::uint16_t remote_port)
    : id_(id), remote_ip_(std::move(remote_ip)), remote_port_(remote_port) {}

WsSession::~WsSession() = default;

void WsSession::send_text(std::string text) {
    impl_->enqueue(Impl::Outgoing{std::move(text), {}, false});
}

void WsSession::send_binary(std::vector<std::uint8_t> data) {
    impl_->enqueue(Impl::Outgoing{{}, std::move(data), true});
}

void WsSession::close(std::uint16_t code, std::string reason) {
    impl_->request_close(code, std::move(reason));
}

bool WsSession::open() const noexcept {
    return impl_->phase_ == Impl::Phase::Open;
}

// ---------------------------------------------------------------------------------------------
// HTTP session

namespace {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(std::shared_ptr<HttpServer::State> state, tcp::socket socket, std::uint64_t id,
                std::string ip, std::uint16_t port)
        : state_(std::move(state)), stream_(std::move(socket)), slot_(state_), id_(id),
          remote_ip_(std::move(ip)), remote_port_(port), limit_key_(rate_limit_key(remote_ip_)) {}

    void run() {
        state_->http_sessions.emplace(id_, weak_from_this());
        do_read();
    }

    // Drops the connection (stop()). Pending operations complete with errors and find done_.
    void abort() { finish(); }

private:
    void do_read() {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
        parser_->body_limit(kMaxBodyBytes);
        stream_.expires_after(kRequestTimeout);
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(error_code ec) {
        if (done_) return;
        if (ec == http::error::end_of_stream) { // the client is done with the connection
            error_code ignored;
            stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
            finish();
            return;
        }
        if (ec == http::error::header_limit) {
            state_->metrics.rejected_header->inc();
            send_text(http::status::request_header_fields_too_large, "request header fields too large\n", 11,
                      false);
            return;
        }
        if (ec == http::error::body_limit) {
            state_->metrics.rejected_body->inc();
            send_text(http::status::payload_too_large, "payload too large\n", 11, false);
            return;
        }
        if (ec && is_http_parse_error(ec) && ec != http::error::partial_message) {
            state_->metrics.rejected_bad_request->inc();
            send_text(http::status::bad_request, "bad request\n", 11, false);
            return;
        }
        if (ec) { // timeout, reset, or the client left mid-request
            finish();
            return;
        }
        handle(parser_->release());
    }

    void handle(http::request<http::string_body>&& req) {
        const unsigned version = req.version();
        const bool keep_alive = req.keep_alive();
        if (websocket::is_upgrade(req)) {
            handle_upgrade(std::move(req));
            return;
        }
        const std::string_view target = to_std(req.target());
        const std::string_view path = target.substr(0, target.find_first_of("?#"));
        if (req.method() != http::verb::get && req.method() != http::verb::head) {
            http::response<http::string_body> res{http::status::method_not_allowed, version};
            res.set(http::field::allow, "GET, HEAD");
            res.body() = "method not allowed\n";
            send(std::move(res), kTextPlain, keep_alive, false);
            return;
        }
        const bool head = req.method() == http::verb::head;
        if (const auto route = state_->routes.find(std::string(path)); route != state_->routes.end()) {
            http::response<http::string_body> res{http::status::ok, version};
            try {
                res.body() = route->second.body();
            } catch (const std::exception& e) {
                spdlog::error("http: route {} failed: {}", path, e.what());
                send_text(http::status::internal_server_error, "internal server error\n", version, keep_alive,
                          head);
                return;
            }
            res.set(http::field::cache_control, "no-store");
            send(std::move(res), route->second.content_type, keep_alive, head);
            return;
        }
        if (path == "/ws") {
            http::response<http::string_body> res{http::status::upgrade_required, version};
            res.set(http::field::upgrade, "websocket");
            res.body() = "WebSocket upgrade expected\n";
            send(std::move(res), kTextPlain, keep_alive, head);
            return;
        }
        serve_static(path, version, keep_alive, head);
    }

    void handle_upgrade(http::request<http::string_body>&& req) {
        const std::string_view target = to_std(req.target());
        if (target.substr(0, target.find('?')) != "/ws") {
            send_text(http::status::not_found, "not found\n", req.version(), false);
            return;
        }
        if (!state_->limiter.allow(limit_key_, steady_now_ms())) {
            state_->metrics.rate_limited->inc();
            http::response<http::string_body> res{http::status::too_many_requests, req.version()};
            res.set(http::field::retry_after, "1");
            res.body() = "too many requests\n";
            send(std::move(res), kTextPlain, false, false);
            return;
        }
        // The socket and its slot move to the WebSocket session; this object is done.
        done_ = true;
        state_->http_sessions.erase(id_);
        auto ws = WsSession::Impl::create(state_, std::move(stream_), std::move(slot_), id_, remote_ip_,
                                          remote_port_, limit_key_);
        WsSession::Impl::of(*ws).accept(req);
    }

    void serve_static(std::string_view path, unsigned version, bool keep_alive, bool head) {
        namespace fs = std::filesystem;
        const std::optional<std::string> decoded = percent_decode(path);
        const PathCheck check = decoded ? check_path(*decoded) : PathCheck::Bad;
        if (check == PathCheck::Bad) {
            state_->metrics.rejected_bad_request->inc();
            send_text(http::status::bad_request, "bad path\n", version, keep_alive, head);
            return;
        }
        if (check == PathCheck::Ok && !state_->config.static_dir.empty()) {
            std::error_code ec;
            const fs::path root = fs::canonical(state_->config.static_dir, ec);
            std::string relative = decoded->substr(1);
            if (relative.empty() || relative.back() == '/') relative += "index.html";
            // canonical() resolves symbolic links too: whatever the tree holds, the file served is
            // inside the root.
            const fs::path file = ec ? fs::path() : fs::canonical(root / relative, ec);
            if (!ec && is_within(root, file) && fs::is_regular_file(file, ec) && !ec) {
                send_file(file, content_type_for(relative), version, keep_alive, head);
                return;
            }
        }
        if (*decoded == "/" || *decoded == "/index.html") { // no web client build: say so
            http::response<http::string_body> res{http::status::ok, version};
            res.body() = std::string(kBuiltinPage);
            res.set(http::field::cache_control, "no-store");
            send(std::move(res), "text/html; charset=utf-8", keep_alive, head);
            return;
        }
        send_text(http::status::not_found, "not found\n", version, keep_alive, head);
    }

    void send_file(const std::filesystem::path& file, std::string_view content_type, unsigned version,
                   bool keep_alive, bool head) {
        http::file_body::value_type body;
        beast::error_code ec;
        body.open(file.c_str(), beast::file_mode::scan, ec);
        if (ec) {
            send_text(http::status::not_found, "not found\n", version, keep_alive, head);
            return;
        }
        const std::uint64_t size = body.size();
        if (head) {
            http::response<http::empty_body> res{http::status::ok, version};
            decorate(res, content_type, keep_alive);
            res.content_length(size);
            send_prepared(std::move(res));
            return;
        }
        http::response<http::file_body> res{std::piecewise_construct, std::make_tuple(std::move(body)),
                                            std::make_tuple(http::status::ok, version)};
        decorate(res, content_type, keep_alive);
        res.content_length(size);
        send_prepared(std::move(res));
    }

    void send_text(http::status status, std::string text, unsigned version, bool keep_alive,
                   bool head = false) {
        http::response<http::string_body> res{status, version};
        res.body() = std::move(text);
        send(std::move(res), kTextPlain, keep_alive, head);
    }

    template <class Response>
    static void decorate(Response& res, std::string_view content_type, bool keep_alive) {
        res.set(http::field::server, beast::string_view(kServerName.data(), kServerName.size()));
        res.set(http::field::content_type, beast::string_view(content_type.data(), content_type.size()));
        res.set("X-Content-Type-Options", "nosniff");
        res.keep_alive(keep_alive);
    }

    // A string response: for HEAD the body is dropped and Content-Length still gives its size.
    void send(http::response<http::string_body>&& res, std::string_view content_type, bool keep_alive,
              bool head) {
        decorate(res, content_type, keep_alive);
        res.content_length(res.body().size());
        if (head) res.body().clear();
        send_prepared(std::move(res));
    }

    template <class Body> void send_prepared(http::response<Body>&& res) {
        if (!state_->stopped) state_->metrics.request(res.result_int());
        auto message = std::make_shared<http::response<Body>>(std::move(res));
        response_ = message;
        const bool close = message->need_eof();
        stream_.expires_after(kRequestTimeout);
        http::async_write(stream_, *message, [self = shared_from_this(), close](error_code ec, std::size_t) {
            self->on_write(ec, close);
        });
    }

    void on_write(error_code ec, bool close) {
        response_.reset();
        if (done_) return;
        if (ec) {
            finish();
            return;
        }
        if (close) {
            linger();
            return;
        }
        do_read();
    }

    // Half-closes, then reads and discards until the client closes too (see kLingerTimeout).
    void linger() {
        error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        linger_buffer_.resize(kLingerChunkBytes);
        stream_.expires_after(kLingerTimeout);
        read_linger();
    }

    void read_linger() {
        stream_.async_read_some(asio::buffer(linger_buffer_),
                                [self = shared_from_this()](error_code ec, std::size_t n) {
                                    if (self->done_) return;
                                    self->lingered_bytes_ += n;
                                    if (ec || self->lingered_bytes_ > kLingerMaxBytes) {
                                        self->finish();
                                        return;
                                    }
                                    self->read_linger();
                                });
    }

    void finish() {
        if (done_) return;
        done_ = true;
        stream_.close();
        slot_.release();
        state_->http_sessions.erase(id_);
        state_->maybe_stop_done();
    }

    std::shared_ptr<HttpServer::State> state_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::shared_ptr<void> response_; // the response being written
    ConnectionSlot slot_;
    std::uint64_t id_;
    std::string remote_ip_;
    std::uint16_t remote_port_;
    std::string limit_key_;
    std::vector<char> linger_buffer_;
    std::size_t lingered_bytes_ = 0;
    bool done_ = false;
};

// ---------------------------------------------------------------------------------------------
// Server

void accept_next(const std::shared_ptr<HttpServer::State>& state);

void on_accepted(const std::shared_ptr<HttpServer::State>& state, error_code ec, tcp::socket socket) {
    if (state->stopped) return;
    if (ec) {
        if (ec == asio::error::operation_aborted) return;
        const int err = ec.value();
        if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
            spdlog::warn("http: accept failed: {}; retrying", ec.message());
            state->accept_retry.expires_after(kAcceptRetryDelay);
            state->accept_retry.async_wait([state](error_code wait_ec) {
                if (!wait_ec && !state->stopped) accept_next(state);
            });
            return;
        }
        accept_next(state);
        return;
    }
    error_code ignored;
    if (state->connections >= state->config.max_connections) {
        state->metrics.rejected_max_connections->inc();
        socket.close(ignored);
        accept_next(state);
        return;
    }
    error_code endpoint_ec;
    const tcp::endpoint peer = socket.remote_endpoint(endpoint_ec);
    if (endpoint_ec) { // already gone
        socket.close(ignored);
        accept_next(state);
        return;
    }
    socket.set_option(tcp::no_delay(true), ignored);
    const std::uint64_t id = next_session_id.fetch_add(1, std::memory_order_relaxed);
    std::make_shared<HttpSession>(state, std::move(socket), id, ip_text(peer.address()), peer.port())->run();
    accept_next(state);
}

void accept_next(const std::shared_ptr<HttpServer::State>& state) {
    state->acceptor.async_accept(
        [state](error_code ec, tcp::socket socket) { on_accepted(state, ec, std::move(socket)); });
}

} // namespace

HttpServer::HttpServer(boost::asio::io_context& io, HttpConfig config, metrics::Registry& registry,
                       WsHandler& handler)
    : state_(std::make_shared<State>(io, std::move(config), registry, handler)) {
    add_route("/healthz", std::string(kTextPlain), [] { return std::string("ok\n"); });
    add_route("/metrics", "text/plain; version=0.0.4; charset=utf-8",
              [&registry] { return registry.render(); });
}

HttpServer::~HttpServer() {
    try {
        stop();
    } catch (...) { // NOLINT(bugprone-empty-catch): a destructor must not throw; sockets close anyway
    }
}

bool HttpServer::start(std::string& error) {
    State& s = *state_;
    const std::string where = s.config.bind_address + ":" + std::to_string(s.config.port);
    if (s.started || s.stopped) {
        error = "cannot start the HTTP server on " + where + " twice";
        return false;
    }
    error_code ec;
    const asio::ip::address address = asio::ip::make_address(s.config.bind_address, ec);
    if (ec) {
        error = "cannot bind " + where + ": not an IP address";
        return false;
    }
    const tcp::endpoint endpoint(address, s.config.port);
    const auto fail = [&](const error_code& e) {
        error = "cannot bind " + where + ": " + e.message();
        error_code ignored;
        s.acceptor.close(ignored);
        return false;
    };
    if (s.acceptor.open(endpoint.protocol(), ec)) return fail(ec);
    if (s.acceptor.set_option(asio::socket_base::reuse_address(true), ec)) return fail(ec);
    if (s.acceptor.bind(endpoint, ec)) return fail(ec);
    if (s.acceptor.listen(asio::socket_base::max_listen_connections, ec)) return fail(ec);
    s.port = s.acceptor.local_endpoint(ec).port();
    s.started = true;
    accept_next(state_);
    return true;
}

std::uint16_t HttpServer::port() const noexcept {
    return state_->port;
}

void HttpServer::stop() {
    State& s = *state_;
    if (s.stopped) return;
    s.stopped = true; // from here on, completions leave the handler and the Registry alone
    if (!s.started) return;
    error_code ignored;
    s.acceptor.close(ignored);
    s.accept_retry.cancel();

    std::vector<std::shared_ptr<HttpSession>> http_sessions;
    for (const auto& [id, weak] : s.http_sessions) {
        if (auto session = weak.lock()) http_sessions.push_back(std::move(session));
    }
    std::vector<std::shared_ptr<WsSession>> ws_sessions;
    for (const auto& [id, weak] : s.ws_sessions) {
        if (auto session = weak.lock()) ws_sessions.push_back(std::move(session));
    }
    // The handler hears about every session now, while it and the Registry are known to be alive.
    for (const auto& session : ws_sessions) WsSession::Impl::of(*session).shutdown_for_stop();
    s.metrics.connections->add(-static_cast<double>(s.connections));
    for (const auto& session : http_sessions) session->abort();

    if (!s.ws_sessions.empty() || !s.http_sessions.empty()) {
        s.stop_timer.expires_after(kStopGrace);
        s.stop_timer.async_wait([state = state_](error_code ec) {
            if (ec) return;
            std::vector<std::shared_ptr<WsSession>> left;
            for (const auto& [id, weak] : state->ws_sessions) {
                if (auto session = weak.lock()) left.push_back(std::move(session));
            }
            for (const auto& session : left) WsSession::Impl::of(*session).abort();
        });
    }
}

void HttpServer::add_route(std::string path, std::string content_type, std::function<std::string()> body) {
    state_->routes.insert_or_assign(std::move(path), State::Route{std::move(content_type), std::move(body)});
}

std::string_view content_type_for(std::string_view file_name) noexcept {
    struct Entry {
        std::string_view extension;
        std::string_view type;
    };
    static constexpr std::array<Entry, 14> kTypes{{
        {".html", "text/html; charset=utf-8"},
        {".htm", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"}, // RFC 9239
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".wasm", "application/wasm"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
        {".woff2", "font/woff2"},
        {".webmanifest", "application/manifest+json"},
    }};
    const std::size_t dot = file_name.rfind('.');
    const std::size_t slash = file_name.rfind('/');
    if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
        return "application/octet-stream";
    }
    const std::string_view extension = file_name.substr(dot);
    for (const auto& entry : kTypes) {
        if (entry.extension.size() != extension.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < extension.size() && same; ++i) {
            const char c = extension[i];
            const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
            same = lower == entry.extension[i];
        }
        if (same) return entry.type;
    }
    return "application/octet-stream";
}

} // namespace mgs::net
