// Two sans-IO connections (the server's ICE-lite/DTLS-server side and our controlling client side)
// over seeded lossy links on a virtual clock: STUN, DTLS, SCTP and DCEP end to end, in process.
#include "rtc/connection.hpp"
#include "rtc/stun.hpp"
#include "support/link_model.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace mgs::rtc {
namespace {

std::shared_ptr<DtlsCertificate> cert() {
    static std::shared_ptr<DtlsCertificate> server_cert = [] {
        std::string e;
        return DtlsCertificate::generate(e);
    }();
    return server_cert;
}
std::shared_ptr<DtlsCertificate> client_cert() {
    static std::shared_ptr<DtlsCertificate> c = [] {
        std::string e;
        return DtlsCertificate::generate(e);
    }();
    return c;
}

struct Side {
    std::unique_ptr<Connection> conn;
    bool connected = false;
    bool disconnected = false;
    DisconnectReason reason = DisconnectReason::None;
    std::map<std::uint16_t, std::string> open; // channel -> label
    std::map<std::uint16_t, std::vector<std::vector<std::uint8_t>>> messages;
    std::vector<Address> added;
};

struct Net {
    Address server_addr = Address::v4(10, 0, 0, 1, 8443);
    Address client_addr = Address::v4(10, 0, 0, 2, 50000);
    test::Link c2s;
    test::Link s2c;
    Side server;
    Side client;
    std::uint64_t now_us = 1'000'000;
    // usrsctp picks chunks to retransmit by the real clock (see sctp.hpp): tests of SCTP loss
    // recovery keep the virtual clock from running ahead of real time. Outcomes stay seeded;
    // only the pace changes.
    bool realtime = false;
    std::chrono::steady_clock::time_point real_start = std::chrono::steady_clock::now();
    std::uint64_t virtual_start_us = now_us;

    explicit Net(test::LinkConfig link, std::uint64_t seed, ConnectionConfig base = {})
        : c2s(link, seed), s2c(link, seed + 1000) {
        ConnectionConfig sc = base;
        sc.server = true;
        sc.local = {"srvU", "server-password-0123456789"};
        sc.remote = {"cliU", ""};
        sc.remote_fingerprint = client_cert()->fingerprint();
        server.conn = std::make_unique<Connection>(cert(), sc, now_us);
        ConnectionConfig cc = base;
        cc.server = false;
        cc.local = {"cliU", "client-password-0123456789"};
        cc.remote = {"srvU", "server-password-0123456789"};
        cc.remote_fingerprint = cert()->fingerprint();
        cc.remote_address = server_addr;
        client.conn = std::make_unique<Connection>(client_cert(), cc, now_us);
        SctpStack::set_rto(20, 100, 1000); // quick recovery, so the real-time tests stay short
        SctpStack::advance(now_us);
    }

    static void drain(Side& s) {
        ConnectionEvent e;
        while (s.conn->poll_event(e)) {
            switch (e.type) {
            case ConnectionEvent::Type::Connected:
                s.connected = true;
                break;
            case ConnectionEvent::Type::ChannelOpen:
                s.open[e.channel] = std::string(s.conn->channel_label(e.channel));
                break;
            case ConnectionEvent::Type::ChannelClosed:
                s.open.erase(e.channel);
                break;
            case ConnectionEvent::Type::Message:
                s.messages[e.channel].emplace_back(e.data.begin(), e.data.end());
                break;
            case ConnectionEvent::Type::Disconnected:
                s.disconnected = true;
                s.reason = e.reason;
                break;
            case ConnectionEvent::Type::AddressAdded:
                s.added.push_back(e.address);
                break;
            case ConnectionEvent::Type::AddressRemoved:
                break;
            }
        }
    }

    void flush() {
        Transmit t;
        while (client.conn->poll_transmit(t)) {
            EXPECT_EQ(t.to, server_addr);
            c2s.send(now_us, t.data);
        }
        while (server.conn->poll_transmit(t)) {
            if (t.to == client_addr) {
                s2c.send(now_us, t.data);
            }
        }
        drain(server);
        drain(client);
    }

    void step(std::uint64_t dt_us = 1000) {
        now_us += dt_us;
        if (realtime) {
            std::this_thread::sleep_until(real_start + std::chrono::microseconds(now_us - virtual_start_us));
        }
        SctpStack::advance(now_us);
        flush();
        std::vector<std::uint8_t> d;
        while (c2s.receive(now_us, d)) {
            server.conn->handle_datagram(now_us, client_addr, d);
            flush();
        }
        while (s2c.receive(now_us, d)) {
            client.conn->handle_datagram(now_us, server_addr, d);
            flush();
        }
        if (now_us >= server.conn->next_timeout_us()) {
            server.conn->handle_timeout(now_us);
        }
        if (now_us >= client.conn->next_timeout_us()) {
            client.conn->handle_timeout(now_us);
        }
        flush();
    }

    bool run_until(const std::function<bool()>& done, std::uint64_t limit_us) {
        const std::uint64_t end = now_us + limit_us;
        while (now_us < end) {
            step();
            if (done()) {
                return true;
            }
        }
        return false;
    }

    bool connect(std::uint64_t limit_us = 15'000'000) {
        return run_until([&] { return server.connected && client.connected; }, limit_us);
    }
};

ChannelOptions opts(std::string label, bool ordered = true, int max_retransmits = -1) {
    ChannelOptions o;
    o.label = std::move(label);
    o.ordered = ordered;
    o.max_retransmits = max_retransmits;
    return o;
}

std::vector<std::uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

TEST(Connection, ConnectsAndOpensChannelsFromBothSides) {
    Net net({.latency_us = 20'000}, 1);
    ASSERT_TRUE(net.connect()) << net.server.conn->dtls_error();
    ASSERT_EQ(net.server.added.size(), 1u);
    EXPECT_EQ(net.server.added[0], net.client_addr);
    EXPECT_EQ(net.server.conn->selected_address(), net.client_addr);

    // Client-opened reliable channel (even stream), server-opened unreliable one (odd stream).
    const int events = net.client.conn->open_channel(opts("events"));
    ASSERT_EQ(events, 0);
    const int state = net.server.conn->open_channel(opts("state", false, 0));
    ASSERT_EQ(state, 1);
    ASSERT_TRUE(
        net.run_until([&] { return net.server.open.count(0) && net.client.open.count(1); }, 2'000'000));
    EXPECT_EQ(net.server.open[0], "events");
    EXPECT_EQ(net.client.open[1], "state");

    ASSERT_TRUE(net.client.conn->send(0, bytes("join")));
    ASSERT_TRUE(net.server.conn->send(1, bytes("snapshot")));
    ASSERT_TRUE(net.run_until(
        [&] { return !net.server.messages[0].empty() && !net.client.messages[1].empty(); }, 2'000'000));
    EXPECT_EQ(net.server.messages[0][0], bytes("join"));
    EXPECT_EQ(net.client.messages[1][0], bytes("snapshot"));
}

TEST(Connection, ReliableChannelDeliversEverythingInOrderUnderLossAndReordering) {
    for (std::uint64_t seed : {2u, 3u}) {
        Net net({.loss = 0.15f, .latency_us = 25'000, .jitter_us = 30'000, .duplicate = 0.02f}, seed);
        net.realtime = true;
        ASSERT_TRUE(net.connect(20'000'000)) << "seed " << seed;
        const int ch = net.client.conn->open_channel(opts("events"));
        ASSERT_GE(ch, 0);
        const auto channel = static_cast<std::uint16_t>(ch);
        ASSERT_TRUE(net.run_until([&] { return net.server.open.count(channel) != 0; }, 5'000'000));
        constexpr int kCount = 200;
        for (int i = 0; i < kCount; ++i) {
            std::vector<std::uint8_t> m(static_cast<std::size_t>(10 + i * 7 % 900),
                                        static_cast<std::uint8_t>(i));
            ASSERT_TRUE(net.client.conn->send(channel, m));
            net.step();
        }
        ASSERT_TRUE(net.run_until([&] { return net.server.messages[channel].size() == kCount; }, 30'000'000))
            << "seed " << seed << " got " << net.server.messages[channel].size();
        for (int i = 0; i < kCount; ++i) {
            const auto& m = net.server.messages[channel][static_cast<std::size_t>(i)];
            ASSERT_EQ(m.size(), static_cast<std::size_t>(10 + i * 7 % 900));
            ASSERT_EQ(m[0], static_cast<std::uint8_t>(i)) << "out of order at " << i;
        }
    }
}

TEST(Connection, UnreliableChannelLosesButNeverDuplicatesOrCorrupts) {
    Net net({.loss = 0.2f, .latency_us = 25'000, .jitter_us = 30'000, .duplicate = 0.05f}, 5);
    ASSERT_TRUE(net.connect(20'000'000));
    const int ch = net.server.conn->open_channel(opts("state", false, 0));
    ASSERT_GE(ch, 0);
    const auto channel = static_cast<std::uint16_t>(ch);
    ASSERT_TRUE(net.run_until([&] { return net.client.open.count(channel) != 0; }, 5'000'000));
    // Wait for the DCEP ACK so sends are really unordered.
    net.run_until([] { return false; }, 500'000);
    constexpr int kCount = 300;
    for (int i = 0; i < kCount; ++i) {
        std::vector<std::uint8_t> m(100, static_cast<std::uint8_t>(i));
        m[1] = static_cast<std::uint8_t>(i >> 8);
        ASSERT_TRUE(net.server.conn->send(channel, m));
        net.step(10'000);
    }
    net.run_until([] { return false; }, 3'000'000);
    const auto& got = net.client.messages[channel];
    std::vector<int> seen(kCount, 0);
    for (const auto& m : got) {
        ASSERT_EQ(m.size(), 100u);
        const int id = m[0] | (m[1] << 8);
        ASSERT_LT(id, kCount);
        EXPECT_EQ(m[50], static_cast<std::uint8_t>(id));
        ++seen[static_cast<std::size_t>(id)];
    }
    for (int s : seen) {
        EXPECT_LE(s, 1);
    }
    EXPECT_GT(got.size(), kCount / 2); // most arrive...
    EXPECT_LT(got.size(), kCount);     // ...but lost ones are not retransmitted
}

TEST(Connection, QueuedBytesCountWhatThePeerHasNotAcknowledged) {
    Net net({.latency_us = 10'000}, 12);
    ASSERT_TRUE(net.connect());
    const int ch = net.server.conn->open_channel(opts("events"));
    ASSERT_GE(ch, 0);
    const auto channel = static_cast<std::uint16_t>(ch);
    ASSERT_TRUE(net.run_until([&] { return net.client.open.count(channel) != 0; }, 5'000'000));
    net.run_until([] { return false; }, 200'000); // the DCEP ACK and its SACK
    EXPECT_EQ(net.server.conn->queued_bytes(), 0u);
    constexpr int kCount = 100;
    for (int i = 0; i < kCount; ++i) {
        ASSERT_TRUE(
            net.server.conn->send(channel, std::vector<std::uint8_t>(1000, static_cast<std::uint8_t>(i))));
    }
    // More than a congestion window's worth: most of it waits in the association.
    EXPECT_GE(net.server.conn->queued_bytes(), std::size_t{50'000});
    EXPECT_LE(net.server.conn->queued_bytes(), std::size_t{kCount * 1000 + 4096});
    ASSERT_TRUE(net.run_until([&] { return net.client.messages[channel].size() == kCount; }, 10'000'000));
    ASSERT_TRUE(net.run_until([&] { return net.server.conn->queued_bytes() == 0; }, 2'000'000))
        << net.server.conn->queued_bytes() << " bytes still counted once everything was delivered";
}

TEST(Connection, LargeMessagesUpToTheLimit) {
    Net net({.loss = 0.05f, .latency_us = 10'000}, 6);
    net.realtime = true;
    ASSERT_TRUE(net.connect());
    const int ch = net.client.conn->open_channel(opts("events"));
    const auto channel = static_cast<std::uint16_t>(ch);
    ASSERT_TRUE(net.run_until([&] { return net.server.open.count(channel) != 0; }, 5'000'000));
    const std::uint32_t limit = net.client.conn->max_message_size();
    EXPECT_EQ(limit, 65536u); // the peer's default a=max-message-size
    std::vector<std::uint8_t> big(limit);
    for (std::size_t i = 0; i < big.size(); ++i) {
        big[i] = static_cast<std::uint8_t>(i * 131);
    }
    ASSERT_TRUE(net.client.conn->send(channel, big));
    EXPECT_FALSE(net.client.conn->send(channel, std::vector<std::uint8_t>(limit + 1)));
    ASSERT_TRUE(net.run_until([&] { return !net.server.messages[channel].empty(); }, 20'000'000));
    EXPECT_EQ(net.server.messages[channel][0], big);
    // Empty messages use the "empty" PPIDs and arrive empty.
    ASSERT_TRUE(net.client.conn->send(channel, {}));
    ASSERT_TRUE(net.run_until([&] { return net.server.messages[channel].size() == 2; }, 5'000'000));
    EXPECT_TRUE(net.server.messages[channel][1].empty());
}

TEST(Connection, CloseReachesThePeer) {
    Net net({.latency_us = 10'000}, 7);
    ASSERT_TRUE(net.connect());
    net.client.conn->close(net.now_us);
    net.flush();
    EXPECT_TRUE(net.client.disconnected);
    EXPECT_EQ(net.client.reason, DisconnectReason::Closed);
    ASSERT_TRUE(net.run_until([&] { return net.server.disconnected; }, 2'000'000));
    EXPECT_TRUE(net.server.reason == DisconnectReason::SctpClosed ||
                net.server.reason == DisconnectReason::PeerClosed);
}

TEST(Connection, ChannelCloseByStreamReset) {
    Net net({.latency_us = 10'000}, 8);
    ASSERT_TRUE(net.connect());
    const auto ch = static_cast<std::uint16_t>(net.client.conn->open_channel(opts("events")));
    ASSERT_TRUE(net.run_until([&] { return net.server.open.count(ch) != 0; }, 2'000'000));
    net.client.conn->close_channel(ch);
    ASSERT_TRUE(net.run_until([&] { return net.server.open.count(ch) == 0; }, 2'000'000));
    EXPECT_FALSE(net.server.conn->channel_open(ch));
    EXPECT_FALSE(net.server.disconnected);
}

TEST(Connection, ConsentExpiresWhenThePeerGoesSilent) {
    ConnectionConfig base;
    base.consent_timeout_us = 5'000'000;
    Net net({.latency_us = 10'000}, 9, base);
    ASSERT_TRUE(net.connect());
    net.c2s.set_config({.loss = 1.0f}); // the client vanishes
    ASSERT_TRUE(net.run_until([&] { return net.server.disconnected; }, 10'000'000));
    EXPECT_EQ(net.server.reason, DisconnectReason::ConsentExpired);
}

TEST(Connection, ChecksKeepAnIdleConnectionAlive) {
    ConnectionConfig base;
    base.consent_timeout_us = 5'000'000;
    Net net({.latency_us = 10'000}, 10, base);
    ASSERT_TRUE(net.connect());
    net.run_until([&] { return net.server.disconnected; }, 20'000'000);
    EXPECT_FALSE(net.server.disconnected);
}

TEST(Connection, ConnectTimesOutWithoutAPeer) {
    ConnectionConfig base;
    base.connect_timeout_us = 3'000'000;
    Net net({.loss = 1.0f}, 11, base);
    ASSERT_TRUE(net.run_until([&] { return net.server.disconnected && net.client.disconnected; }, 5'000'000));
    EXPECT_EQ(net.server.reason, DisconnectReason::ConnectTimeout);
}

TEST(Connection, UnauthenticatedInputNeverReachesDtls) {
    Net net({.latency_us = 10'000}, 12);
    const Address attacker = Address::v4(6, 6, 6, 6, 666);
    // A STUN check with the right username but the wrong password: no answer, no address.
    std::array<std::uint8_t, 256> buf{};
    const StunTransactionId txid{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    const std::size_t n = build_binding_request(buf, txid, "srvU:cliU", "wrong-password", 1, true, 1, true);
    net.server.conn->handle_datagram(net.now_us, attacker, {buf.data(), n});
    // A DTLS ClientHello-looking record from an unchecked address.
    std::vector<std::uint8_t> hello = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1};
    net.server.conn->handle_datagram(net.now_us, attacker, hello);
    net.server.conn->handle_datagram(net.now_us, attacker, std::vector<std::uint8_t>{0xff, 0xee});
    Transmit t;
    EXPECT_FALSE(net.server.conn->poll_transmit(t));
    EXPECT_EQ(net.server.conn->stats().stun_rejected, 2u);
    EXPECT_EQ(net.server.conn->stats().dtls_unauthenticated, 1u);
    EXPECT_EQ(net.server.conn->state(), Connection::State::Checking);
    // The real client still connects.
    ASSERT_TRUE(net.connect());
    EXPECT_EQ(net.server.added.size(), 1u);
}

TEST(Connection, FollowsTheClientToANewAddress) {
    Net net({.latency_us = 10'000}, 13);
    net.realtime = true; // datagrams sent to the old address are lost and must be retransmitted
    ASSERT_TRUE(net.connect());
    const auto ch = static_cast<std::uint16_t>(net.client.conn->open_channel(opts("events")));
    ASSERT_TRUE(net.run_until([&] { return net.server.open.count(ch) != 0; }, 2'000'000));
    // NAT rebinding: the client's packets now come from another port; replies to the old one vanish.
    net.client_addr = Address::v4(10, 0, 0, 2, 50001);
    ASSERT_TRUE(
        net.run_until([&] { return net.server.conn->selected_address() == net.client_addr; }, 5'000'000));
    ASSERT_TRUE(net.client.conn->send(ch, bytes("still here")));
    ASSERT_TRUE(net.server.conn->send(ch, bytes("welcome back")));
    ASSERT_TRUE(net.run_until(
        [&] { return !net.server.messages[ch].empty() && !net.client.messages[ch].empty(); }, 3'000'000));
    EXPECT_EQ(net.server.added.size(), 2u);
    EXPECT_FALSE(net.server.disconnected);
}

TEST(Connection, WrongFingerprintFailsTheConnection) {
    Net net({.latency_us = 10'000}, 14);
    ConnectionConfig sc;
    sc.local = {"srvU", "server-password-0123456789"};
    sc.remote = {"cliU", ""};
    sc.remote_fingerprint = cert()->fingerprint(); // not the client's
    net.server.conn = std::make_unique<Connection>(cert(), sc, net.now_us);
    ASSERT_TRUE(net.run_until([&] { return net.server.disconnected; }, 5'000'000));
    EXPECT_EQ(net.server.reason, DisconnectReason::HandshakeFailed);
    EXPECT_EQ(net.server.conn->dtls_error(), "fingerprint mismatch");
}

} // namespace
} // namespace mgs::rtc
