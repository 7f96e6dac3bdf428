// DTLS between our server endpoint and an OpenSSL client endpoint over a simulated lossy link,
// on a virtual clock: retransmission is driven by that clock, so the test never waits or flakes.
#include "rtc/dtls.hpp"
#include "support/link_model.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mgs::rtc {
namespace {

struct Peer final : DatagramSink {
    test::Link* out = nullptr;
    std::uint64_t now_us = 0;
    std::vector<std::vector<std::uint8_t>> received;
    void emit_datagram(std::span<const std::uint8_t> bytes) override { out->send(now_us, bytes); }
    void on_dtls_data(std::span<const std::uint8_t> bytes) override {
        received.emplace_back(bytes.begin(), bytes.end());
    }
};

std::shared_ptr<DtlsCertificate> make_cert() {
    std::string error;
    auto c = DtlsCertificate::generate(error);
    EXPECT_TRUE(c) << error;
    return c;
}

struct Pair {
    std::shared_ptr<DtlsCertificate> server_cert = make_cert();
    std::shared_ptr<DtlsCertificate> client_cert = make_cert();
    test::Link to_server;
    test::Link to_client;
    Peer server_peer;
    Peer client_peer;
    std::unique_ptr<DtlsEndpoint> server;
    std::unique_ptr<DtlsEndpoint> client;
    std::uint64_t now_us = 0;

    Pair(test::LinkConfig link, std::uint64_t seed, bool wrong_fingerprint = false)
        : to_server(link, seed), to_client(link, seed * 7 + 1) {
        server_peer.out = &to_client;
        client_peer.out = &to_server;
        Fingerprint expected_client = client_cert->fingerprint();
        if (wrong_fingerprint) {
            expected_client[0] ^= 1;
        }
        server = std::make_unique<DtlsEndpoint>(server_cert, true, expected_client, server_peer);
        client = std::make_unique<DtlsEndpoint>(client_cert, false, server_cert->fingerprint(), client_peer);
        server->start(0);
        client->start(0);
    }

    void step(std::uint64_t dt_us) {
        now_us += dt_us;
        server_peer.now_us = client_peer.now_us = now_us;
        std::vector<std::uint8_t> d;
        while (to_server.receive(now_us, d)) {
            server->handle_datagram(now_us, d);
        }
        while (to_client.receive(now_us, d)) {
            client->handle_datagram(now_us, d);
        }
        server->handle_timeout(now_us);
        client->handle_timeout(now_us);
    }

    bool run_until_connected(std::uint64_t limit_us) {
        while (now_us < limit_us) {
            step(1000);
            if (server->state() == DtlsEndpoint::State::Connected &&
                client->state() == DtlsEndpoint::State::Connected) {
                return true;
            }
        }
        return false;
    }
};

TEST(Dtls, CertificateIsEcdsaP256WithStableFingerprint) {
    auto a = make_cert();
    auto b = make_cert();
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->fingerprint(), b->fingerprint());
    EXPECT_NE(a->context(true), nullptr);
    EXPECT_NE(a->context(false), nullptr);
}

TEST(Dtls, HandshakeAndDataOnCleanLink) {
    Pair p({.loss = 0, .latency_us = 20'000}, 1);
    ASSERT_TRUE(p.run_until_connected(5'000'000))
        << p.server->error() << " / " << p.client->error() << " " << int(p.server->state())
        << int(p.client->state()) << " sent " << p.to_server.sent() << " " << p.to_client.sent();
    const std::vector<std::uint8_t> hello = {'h', 'e', 'l', 'l', 'o'};
    ASSERT_TRUE(p.client->send(hello));
    ASSERT_TRUE(p.server->send(std::vector<std::uint8_t>(1000, 7)));
    for (int i = 0; i < 100; ++i) {
        p.step(1000);
    }
    ASSERT_EQ(p.server_peer.received.size(), 1u);
    EXPECT_EQ(p.server_peer.received[0], hello);
    ASSERT_EQ(p.client_peer.received.size(), 1u);
    EXPECT_EQ(p.client_peer.received[0].size(), 1000u);
}

TEST(Dtls, ApplicationDataIsNotKeptOnceConnected) {
    // Only the handshake's flights are kept for replay: a connection that sends megabytes holds
    // no more than it did right after the handshake (before, every record was kept for ever).
    Pair p({.loss = 0, .latency_us = 1'000}, 3);
    ASSERT_TRUE(p.run_until_connected(5'000'000));
    const std::size_t server_after_handshake = p.server->retained_bytes();
    const std::size_t client_after_handshake = p.client->retained_bytes();
    const std::vector<std::uint8_t> payload(1100, 9);
    for (int i = 0; i < 2000; ++i) {
        ASSERT_TRUE(p.server->send(payload));
        ASSERT_TRUE(p.client->send(payload));
        if (i % 100 == 0) {
            p.step(1000);
        }
    }
    EXPECT_LE(p.server->retained_bytes(), server_after_handshake);
    EXPECT_LE(p.client->retained_bytes(), client_after_handshake);
    EXPECT_LT(p.server->retained_bytes(), 4096u); // the server's last flight at most
}

TEST(Dtls, HandshakeSurvivesHeavyLossAndReordering) {
    // Several seeds: each loses different flights, so retransmission on both sides is exercised.
    int retransmitted = 0;
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
        Pair p({.loss = 0.35f, .latency_us = 30'000, .jitter_us = 40'000, .duplicate = 0.05f}, seed);
        ASSERT_TRUE(p.run_until_connected(14'000'000))
            << "seed " << seed << " states " << int(p.server->state()) << int(p.client->state())
            << ": server " << p.server->error() << " client " << p.client->error();
        if (p.to_server.dropped() + p.to_client.dropped() > 0) {
            ++retransmitted;
        }
        // Data flows afterwards (DTLS itself does not retransmit data: send until one arrives).
        const std::vector<std::uint8_t> ping = {1, 2, 3};
        for (int i = 0; i < 40 && p.server_peer.received.empty(); ++i) {
            p.client->send(ping);
            p.step(50'000);
        }
        ASSERT_FALSE(p.server_peer.received.empty()) << "seed " << seed;
        EXPECT_EQ(p.server_peer.received[0], ping);
    }
    EXPECT_GT(retransmitted, 0);
}

TEST(Dtls, WrongFingerprintFailsTheHandshake) {
    Pair p({.loss = 0, .latency_us = 10'000}, 3, /*wrong_fingerprint=*/true);
    EXPECT_FALSE(p.run_until_connected(3'000'000));
    EXPECT_EQ(p.server->state(), DtlsEndpoint::State::Failed);
    EXPECT_EQ(p.server->error(), "fingerprint mismatch");
    EXPECT_FALSE(p.server->send(std::vector<std::uint8_t>{1}));
}

TEST(Dtls, HandshakeTimesOutWhenNothingArrives) {
    Pair p({.loss = 1.0f, .latency_us = 10'000}, 4);
    EXPECT_FALSE(p.run_until_connected(20'000'000));
    EXPECT_EQ(p.client->state(), DtlsEndpoint::State::Failed);
    EXPECT_EQ(p.client->error(), "handshake timed out");
    // Back-off: far fewer than one ClientHello per millisecond were sent.
    EXPECT_LT(p.to_server.sent(), 30u);
    EXPECT_GT(p.to_server.sent(), 3u);
}

TEST(Dtls, GarbageRecordsAreDroppedAndCounted) {
    Pair p({.loss = 0, .latency_us = 5'000}, 5);
    ASSERT_TRUE(p.run_until_connected(2'000'000));
    // A record header for application data (23), DTLS 1.2, with garbage inside.
    std::vector<std::uint8_t> junk = {23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 20};
    junk.resize(13 + 20, 0xAB);
    p.server->handle_datagram(p.now_us, junk); // too short for AES-GCM: filtered before OpenSSL
    junk.resize(13 + 60, 0xCD);
    junk[12] = 60;
    p.server->handle_datagram(p.now_us, junk); // well-formed but fails authentication
    p.server->handle_datagram(p.now_us, std::vector<std::uint8_t>{22, 0xfe});
    EXPECT_EQ(p.server->bad_records(), 2u);
    EXPECT_EQ(p.server->state(), DtlsEndpoint::State::Connected);
    ASSERT_TRUE(p.client->send(std::vector<std::uint8_t>{9}));
    for (int i = 0; i < 20; ++i) {
        p.step(1000);
    }
    EXPECT_EQ(p.server_peer.received.size(), 1u)
        << int(p.server->state()) << " bad " << p.server->bad_records();
}

TEST(Dtls, CloseNotifyReachesThePeer) {
    Pair p({.loss = 0, .latency_us = 5'000}, 6);
    ASSERT_TRUE(p.run_until_connected(2'000'000));
    p.client->close();
    for (int i = 0; i < 20; ++i) {
        p.step(1000);
    }
    EXPECT_TRUE(p.server->peer_closed());
    EXPECT_EQ(p.server->state(), DtlsEndpoint::State::Closed);
}

} // namespace
} // namespace mgs::rtc
