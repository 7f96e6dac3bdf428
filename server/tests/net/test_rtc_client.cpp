// RtcClient's non-blocking signaling: make_join() gives the join text with an offer for a bound
// loopback socket, accept_answer() takes the server's reply from any WebSocket the caller runs
// (the load generator's asynchronous ones), reports server errors as "<code>: <message>", and the
// connection then comes up exactly as with the blocking signal().
#include "net/rtc_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

namespace mgs::net {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<rtc::DtlsCertificate> cert() {
    static auto c = [] {
        std::string e;
        return rtc::DtlsCertificate::generate(e);
    }();
    return c;
}

std::uint16_t local_port(int fd) {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
}

TEST(RtcClient, MakeJoinOffersItsLoopbackSocket) {
    RtcClient c(cert());
    RtcClient::Options o;
    o.name = "joiner";
    std::string error;
    const auto join = nlohmann::json::parse(c.make_join(o, error));
    ASSERT_TRUE(error.empty()) << error;
    ASSERT_GE(c.fd(), 0);
    EXPECT_EQ(join["type"], "join");
    EXPECT_EQ(join["name"], "joiner");
    EXPECT_EQ(join["team"], "auto");
    EXPECT_FALSE(join.contains("resume"));
    const std::string offer = join["offer"];
    EXPECT_NE(offer.find("127.0.0.1 " + std::to_string(local_port(c.fd())) + " typ host"), std::string::npos)
        << offer;
    EXPECT_NE(offer.find("a=fingerprint:sha-256"), std::string::npos);

    RtcClient again(cert());
    o.resume_token = "abc";
    EXPECT_EQ(nlohmann::json::parse(again.make_join(o, error))["resume"], "abc");
}

TEST(RtcClient, AcceptAnswerReportsWhatWasWrong) {
    RtcClient c(cert());
    RtcClient::Answer a;
    std::string error;
    EXPECT_FALSE(c.accept_answer(R"({"type":"answer"})", a, error)) << "before make_join";
    RtcClient::Options o;
    ASSERT_FALSE(c.make_join(o, error).empty());
    EXPECT_FALSE(
        c.accept_answer(R"({"type":"error","code":"server_full","message":"the server is full"})", a, error));
    EXPECT_EQ(error, "server_full: the server is full");
    EXPECT_FALSE(c.accept_answer("not json", a, error));
    EXPECT_NE(error.find("not JSON"), std::string::npos);
    EXPECT_FALSE(c.accept_answer(R"({"type":"answer","sdp":"v=0"})", a, error));
    EXPECT_NE(error.find("unusable answer"), std::string::npos);
    EXPECT_EQ(c.connection(), nullptr);
}

} // namespace
} // namespace mgs::net
