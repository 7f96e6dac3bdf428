# The server binary as an operator runs it: the headless JSON report has every field the
# issue names, and bad input stops start-up with exit code 2 and a message naming the key.
function(run_ok)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${ARGN} exited ${rc}: ${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

function(run_fails expect)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
  if(NOT rc EQUAL 2)
    message(FATAL_ERROR "${ARGN}: expected exit code 2, got ${rc} (${err})")
  endif()
  string(FIND "${err}" "${expect}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "${ARGN}: stderr does not mention '${expect}': ${err}")
  endif()
endfunction()

run_ok(${BIN} --headless --preset arena --ticks 90 --seed 3 --threads 2 --bots 12 --report json)
foreach(path ticks tick_ms.p50 tick_ms.p99 tick_ms.max entities.players entities.bots entities.projectiles
             entities.walls entities.pickups kills captures state_hash)
  string(REPLACE "." ";" parts "${path}")
  string(JSON value ERROR_VARIABLE jerr GET "${out}" ${parts})
  if(jerr)
    message(FATAL_ERROR "report lacks ${path}: ${out}")
  endif()
endforeach()
string(JSON ticks GET "${out}" ticks)
string(JSON bots GET "${out}" entities bots)
string(JSON hash GET "${out}" state_hash)
if(NOT ticks EQUAL 90 OR NOT bots EQUAL 12 OR NOT hash MATCHES "^[0-9a-f]+$")
  message(FATAL_ERROR "unexpected report: ${out}")
endif()

# Same seed, same hash; another seed, another hash.
run_ok(${BIN} --headless --preset arena --ticks 90 --seed 3 --threads 1 --bots 12 --report json)
string(JSON hash2 GET "${out}" state_hash)
run_ok(${BIN} --headless --preset arena --ticks 90 --seed 4 --threads 1 --bots 12 --report json)
string(JSON hash3 GET "${out}" state_hash)
if(NOT hash STREQUAL hash2 OR hash STREQUAL hash3)
  message(FATAL_ERROR "state hash: seed 3 gave ${hash} and ${hash2}, seed 4 gave ${hash3}")
endif()

run_fails("--bogus" ${BIN} --bogus)
run_fails("preset" ${BIN} --headless --preset nope)
run_fails("player.speed" ${BIN} --headless --set player.speed=-3)
run_fails("does-not-exist.toml" ${BIN} --config ${SRC}/does-not-exist.toml)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/bad.toml "[player]\nspeed = \"fast\"\n")
run_fails("player.speed" ${BIN} --config ${CMAKE_CURRENT_BINARY_DIR}/bad.toml)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/broken.toml "[player\nspeed = 1\n")
run_fails("broken.toml" ${BIN} --config ${CMAKE_CURRENT_BINARY_DIR}/broken.toml)

# Live mode with the network on 127.0.0.1 and free ports: a bad advertised address is refused at
# start with a message naming it.
run_fails("not-an-ip" ${BIN} --preset arena --bind 127.0.0.1 --http-port 0 --udp-port 0
          --public-ip not-an-ip --ticks 5)
# It runs and stops by itself with valid ones.
run_ok(${BIN} --preset arena --bind 127.0.0.1 --http-port 0 --udp-port 0 --public-ip 127.0.0.1
       --public-ip ::1 --ticks 10)
