// The TypeScript client's golden vectors (proto/testdata/client_messages.json, written by
// client/test/golden_client.test.ts) through the server's parser: every message the client builds
// must parse to exactly the fields the client meant. The reverse direction (server messages
// through the TypeScript decoder) is tools/golden.
#include "net/game_message.hpp"
#include "proto/game_generated.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace mgs::net {
namespace {

using Json = nlohmann::json;

Json load_golden() {
    std::ifstream f(MGS_SOURCE_DIR "/proto/testdata/client_messages.json");
    if (!f) {
        ADD_FAILURE() << "cannot open proto/testdata/client_messages.json";
        return Json::object();
    }
    return Json::parse(f);
}

std::vector<std::uint8_t> from_hex(const std::string& hex) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    return out;
}

std::string to_hex(const flatbuffers::Vector<std::uint8_t>* v) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    if (v == nullptr) {
        return s;
    }
    for (const std::uint8_t b : *v) {
        s += kDigits[b >> 4];
        s += kDigits[b & 15];
    }
    return s;
}

void check_inputs(const Json& g, std::span<const std::uint8_t> bytes, const ClientGameMessage& m) {
    const Json& want = g["expect"]["inputs"];
    ASSERT_EQ(m.kind, ClientGameMessage::Kind::Inputs);
    ASSERT_EQ(m.input_count, want.size());
    // client_time_ms is not passed on by the parser: read it from the verified buffer.
    const auto* batch = proto::GetEnvelope(bytes.data())->message_as_InputBatch();
    ASSERT_NE(batch, nullptr);
    ASSERT_NE(batch->inputs(), nullptr);
    ASSERT_EQ(batch->inputs()->size(), want.size());
    for (std::size_t i = 0; i < m.input_count; ++i) {
        SCOPED_TRACE("input " + std::to_string(i));
        const ClientInput& in = m.inputs[i];
        const Json& w = want[i];
        EXPECT_EQ(in.seq, w["seq"].get<std::uint32_t>());
        EXPECT_EQ(batch->inputs()->Get(static_cast<flatbuffers::uoffset_t>(i))->client_time_ms(),
                  w["client_time_ms"].get<std::uint32_t>());
        EXPECT_EQ(in.move_x, w["move_x"].get<int>());
        EXPECT_EQ(in.move_y, w["move_y"].get<int>());
        EXPECT_EQ(in.aim, static_cast<float>(w["aim"].get<double>())); // exact: the JSON holds the float32
        EXPECT_EQ(in.buttons, w["buttons"].get<int>());
        EXPECT_EQ(in.weapon_slot, w["weapon_slot"].get<int>());
        EXPECT_EQ(in.ack_snapshot, w["ack_snapshot"].get<std::uint32_t>());
    }
}

void check_ping(const Json& g, const ClientGameMessage& m) {
    const Json& want = g["expect"];
    ASSERT_EQ(m.kind, ClientGameMessage::Kind::Ping);
    ASSERT_NE(m.ping, nullptr);
    EXPECT_EQ(m.ping->id(), want["id"].get<std::uint32_t>());
    EXPECT_EQ(m.ping->client_time_ms(), want["client_time_ms"].get<double>());
    EXPECT_EQ(to_hex(m.ping->payload()), want["payload"].get<std::string>());
}

void check_chat(const Json& g, const ClientGameMessage& m) {
    const Json& want = g["expect"];
    ASSERT_EQ(m.kind, ClientGameMessage::Kind::Chat);
    EXPECT_EQ(m.chat_text, want["text"].get<std::string>());
    EXPECT_EQ(m.chat_team_only, want["team_only"].get<bool>());
}

void check_scoreboard_request(const Json& g, const ClientGameMessage& m) {
    ASSERT_EQ(m.kind, ClientGameMessage::Kind::ScoreboardRequest);
    EXPECT_EQ(m.scoreboard_top, g["expect"]["top"].get<std::uint16_t>());
}

void check_spectate(const Json& g, const ClientGameMessage& m) {
    const Json& want = g["expect"];
    ASSERT_EQ(m.kind, ClientGameMessage::Kind::Spectate);
    EXPECT_EQ(m.follow, want["follow"].get<std::uint32_t>());
    EXPECT_EQ(m.camera_x, static_cast<float>(want["x"].get<double>()));
    EXPECT_EQ(m.camera_y, static_cast<float>(want["y"].get<double>()));
    EXPECT_EQ(m.inputs[0].ack_snapshot, want["ack_snapshot"].get<std::uint32_t>());
}

TEST(GoldenClient, EveryClientMessageParsesToItsFields) {
    const Json golden = load_golden();
    ASSERT_TRUE(golden.contains("messages"));
    std::set<std::string> types;
    for (const Json& g : golden["messages"]) {
        const std::string name = g["name"].get<std::string>();
        const std::string type = g["type"].get<std::string>();
        SCOPED_TRACE(name);
        types.insert(type);
        const std::vector<std::uint8_t> bytes = from_hex(g["hex"].get<std::string>());
        const ClientGameMessage m = parse_client_game_message(bytes);
        if (type == "InputBatch") {
            check_inputs(g, bytes, m);
        } else if (type == "Ping") {
            check_ping(g, m);
        } else if (type == "ChatSend") {
            check_chat(g, m);
        } else if (type == "ScoreboardRequest") {
            check_scoreboard_request(g, m);
        } else if (type == "SpectateControl") {
            check_spectate(g, m);
        } else {
            ADD_FAILURE() << "no check for message type " << type;
        }
    }
    EXPECT_EQ(types, (std::set<std::string>{"InputBatch", "Ping", "ChatSend", "ScoreboardRequest",
                                            "SpectateControl"}));
}

} // namespace
} // namespace mgs::net
