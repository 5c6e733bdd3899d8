-- Keeps one source's reconciliation as its wallet and payment events are folded: open rounds, orphan rollbacks,
-- conflicting duplicates and reversed money. Atomic per call, so several Ingestion instances may send events of one
-- source at once; every state is a function of the set of events seen, whatever order they arrive in:
--   a round is open from its first bet until a closing win or a rollback of one of its bets (a closing event seen
--   first leaves a mark, so the round's bets arriving later do not open it); a rollback waits as an orphan until its
--   transaction arrives.
-- Every key is the source's (one hash tag), so the same script runs on Redis Cluster. It runs on every batch of the
-- ingest path, so it sends few commands: a few reads (HMGET) and writes (one HSET, ZADD, HDEL or ZREM per key) per
-- call, whatever the number of events in it.
--
-- KEYS: 1 2 transactions seen, current and previous generation (transactionId -> version: op, player, round or
-- referenced transaction, game, units, currency joined by \30; '\1' .. roundId -> 'c', a round closed before any of
-- its bets arrived) 3 open rounds (roundId -> bet ms, player, transactionId, game, provider joined by \31) 4 their
-- bet times (zset) 5 waiting rollbacks (referenced transactionId -> player, rollback's transactionId, its time ms,
-- provider) 6 their arrival times (zset) 7 8 conflicts (id -> arrival; id -> details) 9 10 reversed payments
-- (id -> event time; id -> details) 11 meta (gen: start of the current generation, closes, gone:<kind>).
-- ARGV: now ms, horizon ms, retention ms, then ARITY (6) values per event, the strings it keeps built by the caller
-- (ReconciliationStore) so the script joins nothing on the common path:
--   kind (b bet, w win, c win that closes its round, r rollback, p payment) transactionId (p: its id, transaction
--   \31 status) ref (b/w/c: round, r: referenced transaction, p: unused) time-ms version (b/w/c: op, player, round,
--   game, units, currency joined by \30; r: rb, player, referenced transaction; p: unused) detail (b: its open round's
--   value; r: its waiting rollback's value; p: the reversed payment's details; else unused)
-- The horizon: a generation of transactions is kept for at least one horizon and at most two (a rotation is one
-- RENAME, so no pass over the fields). Items older than the retention are dropped and counted in gone:<kind>.
local TXA, TXB, OPEN, OPEN_Z, WAIT, ORPHAN_Z, CONFLICT, CONFLICT_D, REV, REV_D, META =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11]
local now, horizon, retention = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local ARITY, US = 6, '\31'
local nows = ARGV[1]

local gen = tonumber(redis.call('HGET', META, 'gen') or '')
if not gen then
  redis.call('HSET', META, 'gen', nows)
elseif now - gen >= 2 * horizon then
  redis.call('DEL', TXA, TXB)
  redis.call('HSET', META, 'gen', nows)
elseif now - gen >= horizon then
  redis.call('DEL', TXB)
  if redis.call('EXISTS', TXA) == 1 then redis.call('RENAME', TXA, TXB) end
  redis.call('HSET', META, 'gen', nows)
end

-- Reads and writes are gathered per call, not per event: the fields the events name are read with one HMGET per key
-- first (the previous generation only while it exists), the events are then applied one by one to that local copy (so
-- the result is the one of applying them in order), and what changed is written back with one command per key. A
-- script's every write command is also formatted into the AOF, so commands, not fields, are what cost; and the Lua
-- itself is the rest (lists are filled by index, not by a function call per field).
local txs, rounds, waits, nt, nr, nw = {}, {}, {}, 0, 0, 0
for a = 4, #ARGV, ARITY do
  local kind, tx, ref = ARGV[a], ARGV[a + 1], ARGV[a + 2]
  if kind == 'b' then
    txs[nt + 1] = tx; txs[nt + 2] = '\1' .. ref; nt = nt + 2
    nr = nr + 1; rounds[nr] = ref
    nw = nw + 1; waits[nw] = tx
  elseif kind == 'w' or kind == 'c' then
    nt = nt + 1; txs[nt] = tx
    nw = nw + 1; waits[nw] = tx
    if kind == 'c' then nt = nt + 1; txs[nt] = '\1' .. ref; nr = nr + 1; rounds[nr] = ref end
  elseif kind == 'r' then
    txs[nt + 1] = tx; txs[nt + 2] = ref; nt = nt + 2
    nw = nw + 1; waits[nw] = ref
  end
end

-- field -> value, or false when absent (the *_was tables: as read); loaded on first use (a rolled-back bet's round is
-- known only from its version).
local tx_now, open_now, open_was, wait_now, wait_was = {}, {}, {}, {}, {}
local function load(key, fields, n, into, was, fallback)
  if n == 0 then return end
  local got = redis.call('HMGET', key, unpack(fields))
  local more = fallback and redis.call('HMGET', fallback, unpack(fields))
  for i = 1, n do
    local f = fields[i]
    local v = got[i] or (more and more[i]) or false
    into[f] = v
    if was then was[f] = v end
  end
end
load(TXA, txs, nt, tx_now, nil, redis.call('EXISTS', TXB) == 1 and TXB)
load(OPEN, rounds, nr, open_now, open_was)
-- No rollback waits: none to read, event by event, either.
local any_wait = redis.call('EXISTS', WAIT) == 1
if any_wait then
  load(WAIT, waits, nw, wait_now, wait_was)
end

local tx_set, ntx = {}, 0
local function seen(field)
  local v = tx_now[field]
  if v == nil then
    v = redis.call('HGET', TXA, field) or redis.call('HGET', TXB, field) or false
    tx_now[field] = v
  end
  return v
end
local function remember(field, value)
  tx_now[field] = value
  tx_set[ntx + 1] = field; tx_set[ntx + 2] = value; ntx = ntx + 2
end

local function open_get(round)
  local v = open_now[round]
  if v == nil then
    v = redis.call('HGET', OPEN, round) or false
    open_now[round], open_was[round] = v, v
  end
  return v
end

local function wait_get(tx)
  local v = wait_now[tx]
  if v == nil then
    v = any_wait and redis.call('HGET', WAIT, tx) or false
    wait_now[tx], wait_was[tx] = v, v
  end
  return v
end

local function close_round(round)
  if open_get(round) then
    open_now[round] = false
  elseif not seen('\1' .. round) then
    remember('\1' .. round, 'c')
  end
end

-- Records the transaction's version; true when it was known. A known transaction resent with another version is a
-- conflict, kept once per distinct version with both versions; the first stays.
local function known(tx, version, ts)
  local v = seen(tx)
  if not v then
    remember(tx, version)
    return false
  end
  if v ~= version then
    local id = tx .. US .. version
    if redis.call('ZADD', CONFLICT, 'NX', nows, id) == 1 then
      local player = string.match(version, '^[^\30]*\30([^\30]*)')
      redis.call('HSET', CONFLICT_D, id, table.concat({ tx, v, version, player, ts }, US))
    end
  end
  return true
end

-- An arrived transaction adopts the rollback that waited for it.
local function adopt(tx)
  if wait_get(tx) then
    wait_now[tx] = false
    return true
  end
  return false
end

local closes = false
for a = 4, #ARGV, ARITY do
  local kind, tx, ref, ts, version = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]
  if kind == 'b' then
    if not known(tx, version, ts) then
      if adopt(tx) then
        -- A rolled-back bet closes its round.
        close_round(ref)
      elseif not seen('\1' .. ref) then
        local cur = open_get(ref)
        if not cur or tonumber(ts) < tonumber(string.match(cur, '^(%d+)')) then
          open_now[ref] = ARGV[a + 5]
        end
      end
    end
  elseif kind == 'c' or kind == 'w' then
    if not known(tx, version, ts) then
      adopt(tx)
      if kind == 'c' then
        closes = true
        close_round(ref)
      end
    end
  elseif kind == 'r' then
    if not known(tx, version, ts) then
      local target = seen(ref)
      if target then
        local round = string.match(target, '^bet\30[^\30]*\30([^\30]*)\30')
        if round then close_round(round) end
      elseif not wait_get(ref) then
        wait_now[ref] = ARGV[a + 5]
      end
    end
  elseif kind == 'p' then
    if redis.call('ZADD', REV, 'NX', ts, tx) == 1 then
      redis.call('HSET', REV_D, tx, ARGV[a + 5])
    end
  end
end

-- Write back what changed: one command per key.
if ntx > 0 then redis.call('HSET', TXA, unpack(tx_set)) end
local function write_back(now_of, was_of, hash, zset, score_of)
  local set, scores, gone, ns, ng = {}, {}, {}, 0, 0
  for f, v in pairs(now_of) do
    if v then
      -- Written when new or changed; an unchanged value read back is left alone.
      if was_of[f] ~= v then
        set[ns + 1] = f; set[ns + 2] = v
        scores[ns + 1] = score_of(v); scores[ns + 2] = f
        ns = ns + 2
      end
    elseif was_of[f] then
      ng = ng + 1; gone[ng] = f
    end
  end
  if ns > 0 then redis.call('HSET', hash, unpack(set)); redis.call('ZADD', zset, unpack(scores)) end
  if ng > 0 then redis.call('HDEL', hash, unpack(gone)); redis.call('ZREM', zset, unpack(gone)) end
end
write_back(open_now, open_was, OPEN, OPEN_Z, function(v) return string.match(v, '^(%d+)') end)
write_back(wait_now, wait_was, WAIT, ORPHAN_Z, function() return nows end)
if closes then redis.call('HSET', META, 'closes', '1') end

local function expire(set, details, kind)
  local old = redis.call('ZRANGEBYSCORE', set, '-inf', string.format('%d', now - retention), 'LIMIT', 0, 200)
  for _, id in ipairs(old) do
    redis.call('ZREM', set, id)
    redis.call('HDEL', details, id)
    redis.call('HINCRBY', META, 'gone:' .. kind, 1)
  end
end
expire(OPEN_Z, OPEN, 'open')
expire(ORPHAN_Z, WAIT, 'orphan')
expire(CONFLICT, CONFLICT_D, 'conflict')
expire(REV, REV_D, 'reversed')
return 0
