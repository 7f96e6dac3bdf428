// libFuzzer target: every binary message a client sends (net/game_message.hpp): the FlatBuffers
// envelope, Ping, Input and InputBatch. Whatever it accepts must be safe to read completely.
#include "net/game_message.hpp"
#include "proto/game_generated.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mgs::net;
    const ClientGameMessage m = parse_client_game_message({data, size});
    if (m.input_count > ClientGameMessage::kMaxInputs) std::abort();
    if (m.kind == ClientGameMessage::Kind::Ping) {
        // Touch every field of the accepted Ping, as the server's Pong does.
        volatile std::uint32_t sum = m.ping->id();
        if (const auto* p = m.ping->payload()) {
            for (const std::uint8_t b : *p) sum = sum + b;
        }
        (void)sum;
    }
    if (m.kind != ClientGameMessage::Kind::Inputs && m.input_count != 0) std::abort();
    return 0;
}
