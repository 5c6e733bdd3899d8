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
-- ARGV: now ms, horizon ms, retention ms, then ARITY values per event:
--   op (bet|win|rb|pay) player transactionId ref (bet/win: round, rb: referenced transaction, pay: dep|wd) game
--   units currency time-ms flag (win: 1 closes the round, pay: status) provider
-- The horizon: a generation of transactions is kept for at least one horizon and at most two (a rotation is one
-- RENAME, so no pass over the fields). Items older than the retention are dropped and counted in gone:<kind>.
local TXA, TXB, OPEN, OPEN_Z, WAIT, ORPHAN_Z, CONFLICT, CONFLICT_D, REV, REV_D, META =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11]
local now, horizon, retention = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local ARITY, US, RS = 10, '\31', '\30'
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
-- first, the events are then applied one by one to that local copy (so the result is the one of applying them in
-- order), and what changed is written back with one command per key. A script's every write command is also
-- formatted into the AOF, so commands, not fields, are what cost.
local txs, rounds, waits = {}, {}, {}
local function want(list, field) list[#list + 1] = field end
for a = 4, #ARGV, ARITY do
  local op, tx, ref = ARGV[a], ARGV[a + 2], ARGV[a + 3]
  if op == 'bet' then
    want(txs, tx); want(txs, '\1' .. ref); want(rounds, ref); want(waits, tx)
  elseif op == 'win' then
    want(txs, tx); want(waits, tx)
    if ARGV[a + 8] == '1' then want(txs, '\1' .. ref); want(rounds, ref) end
  elseif op == 'rb' then
    want(txs, tx); want(txs, ref); want(waits, ref)
  end
end

-- field -> value, or false when absent (the *_was tables: as read); loaded on first use (a rolled-back bet's round is
-- known only from its version).
local tx_now, open_now, open_was, wait_now, wait_was = {}, {}, {}, {}, {}
local function load(key, fields, into, was, fallback)
  if #fields == 0 then return end
  local got = redis.call('HMGET', key, unpack(fields))
  local more = fallback and redis.call('HMGET', fallback, unpack(fields))
  for i, f in ipairs(fields) do
    local v = got[i] or (more and more[i]) or false
    into[f] = v
    if was then was[f] = v end
  end
end
load(TXA, txs, tx_now, nil, TXB)
load(OPEN, rounds, open_now, open_was)
if redis.call('EXISTS', WAIT) == 1 then
  load(WAIT, waits, wait_now, wait_was)
else
  -- No rollback waits: none to read, event by event, either.
  for _, f in ipairs(waits) do wait_now[f], wait_was[f] = false, false end
end

local tx_new, tx_order = {}, {}
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
  if tx_new[field] == nil then tx_order[#tx_order + 1] = field end
  tx_new[field] = value
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
    v = redis.call('HGET', WAIT, tx) or false
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
local function known(tx, version, player, ts)
  local v = seen(tx)
  if not v then
    remember(tx, version)
    return false
  end
  if v ~= version then
    local id = tx .. US .. version
    if redis.call('ZADD', CONFLICT, 'NX', nows, id) == 1 then
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
  local op, player, tx, ref, game, units, currency, ts, flag, provider =
    ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6], ARGV[a + 7], ARGV[a + 8], ARGV[a + 9]
  if op == 'bet' then
    if not known(tx, table.concat({ 'bet', player, ref, game, units, currency }, RS), player, ts) then
      if adopt(tx) then
        -- A rolled-back bet closes its round.
        close_round(ref)
      elseif not seen('\1' .. ref) then
        local cur = open_get(ref)
        if not cur or tonumber(ts) < tonumber(string.match(cur, '^(%d+)')) then
          open_now[ref] = table.concat({ ts, player, tx, game, provider }, US)
        end
      end
    end
  elseif op == 'win' then
    if not known(tx, table.concat({ 'win', player, ref, game, units, currency }, RS), player, ts) then
      adopt(tx)
      if flag == '1' then
        closes = true
        close_round(ref)
      end
    end
  elseif op == 'rb' then
    if not known(tx, table.concat({ 'rb', player, ref }, RS), player, ts) then
      local target = seen(ref)
      if target then
        local round = string.match(target, '^bet\30[^\30]*\30([^\30]*)\30')
        if round then close_round(round) end
      elseif not wait_get(ref) then
        wait_now[ref] = table.concat({ player, tx, ts, provider }, US)
      end
    end
  elseif op == 'pay' then
    local id = tx .. US .. flag
    if redis.call('ZADD', REV, 'NX', ts, id) == 1 then
      redis.call('HSET', REV_D, id, table.concat({ player, tx, ref, flag, units, currency, provider }, US))
    end
  end
end

-- Write back what changed: one command per key.
if #tx_order > 0 then
  local fv = {}
  for _, f in ipairs(tx_order) do fv[#fv + 1] = f; fv[#fv + 1] = tx_new[f] end
  redis.call('HSET', TXA, unpack(fv))
end
local function write_back(now_of, was_of, hash, zset, score_of)
  local set, scores, gone = {}, {}, {}
  for f, v in pairs(now_of) do
    if v then
      -- Written when new or changed; an unchanged value read back is left alone.
      if was_of[f] ~= v then
        set[#set + 1] = f; set[#set + 1] = v
        scores[#scores + 1] = score_of(v); scores[#scores + 1] = f
      end
    elseif was_of[f] then
      gone[#gone + 1] = f
    end
  end
  if #set > 0 then redis.call('HSET', hash, unpack(set)); redis.call('ZADD', zset, unpack(scores)) end
  if #gone > 0 then redis.call('HDEL', hash, unpack(gone)); redis.call('ZREM', zset, unpack(gone)) end
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
