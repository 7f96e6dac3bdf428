#include "net/net_server.hpp"

#include <boost/asio/post.hpp>

#include <pthread.h>

namespace mgs::net {

NetServer::NetServer(NetConfig config, metrics::Registry& metrics, WsHandler& ws, RtcHandler& rtc)
    : config_(std::move(config)) {
    http_ = std::make_unique<HttpServer>(io_, config_.http, metrics, ws);
    rtc_ = std::make_unique<RtcServer>(io_, config_.rtc, metrics, rtc);
}

NetServer::~NetServer() {
    stop();
}

void NetServer::add_route(std::string path, std::string content_type, std::function<std::string()> body) {
    http_->add_route(std::move(path), std::move(content_type), std::move(body));
}

bool NetServer::start(std::string& error) {
    if (!rtc_->start(error)) {
        return false;
    }
    if (!http_->start(error)) {
        rtc_->stop();
        return false;
    }
    http_port_ = http_->port();
    udp_port_ = rtc_->port();
    running_ = true;
    // The context keeps running while the servers have work (sockets, timers); stop() ends it.
    thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "mgs-net"); // in top and perf: the network thread
        io_.run();
    });
    return true;
}

void NetServer::stop(const std::function<void()>& before_close) {
    if (!running_) {
        return;
    }
    running_ = false;
    // Everything below runs on the network thread, which owns the state.
    boost::asio::post(io_, [this, before_close] {
        if (before_close) {
            before_close();
        }
        rtc_->stop();
        http_->stop();
    });
    // Let close frames and final datagrams go out, then end the loop.
    boost::asio::post(io_, [this] { io_.stop(); });
    if (thread_.joinable()) {
        thread_.join();
    }
}

} // namespace mgs::net
