-- Keeps one source's reconciliation as its wallet and payment events are folded: open rounds, orphan rollbacks,
-- conflicting duplicates and reversed money. Atomic per call, so several Ingestion instances may send events of one
-- source at once; every state is a function of the set of events seen, whatever order they arrive in:
--   a round is open from its first bet until a closing win or a rollback of one of its bets (a closing event seen
--   first leaves a mark, so the round's bets arriving later do not open it); a rollback waits as an orphan until its
--   transaction arrives.
-- Every key is the source's (one hash tag), so the same script runs on Redis Cluster. It runs on every batch of the
-- ingest path, so it writes little: a bet costs three writes (its version, the open round and its deadline index), a
-- closing win three (its version, and the round's two removed).
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

local function seen(field)
  return redis.call('HGET', TXA, field) or redis.call('HGET', TXB, field)
end

local function close_round(round)
  if redis.call('HDEL', OPEN, round) == 1 then
    redis.call('ZREM', OPEN_Z, round)
  elseif not seen('\1' .. round) then
    redis.call('HSET', TXA, '\1' .. round, 'c')
  end
end

-- Records the transaction's version; true when it was known. A known transaction resent with another version is a
-- conflict, kept once per distinct version with both versions; the first stays.
local function known(tx, version, player, ts)
  local v = seen(tx)
  if not v then
    redis.call('HSET', TXA, tx, version)
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
  if redis.call('HDEL', WAIT, tx) == 1 then
    redis.call('ZREM', ORPHAN_Z, tx)
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
        local cur = redis.call('HGET', OPEN, ref)
        if not cur or tonumber(ts) < tonumber(string.match(cur, '^(%d+)')) then
          redis.call('HSET', OPEN, ref, table.concat({ ts, player, tx, game, provider }, US))
          redis.call('ZADD', OPEN_Z, ts, ref)
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
      elseif redis.call('HSETNX', WAIT, ref, table.concat({ player, tx, ts, provider }, US)) == 1 then
        redis.call('ZADD', ORPHAN_Z, nows, ref)
      end
    end
  elseif op == 'pay' then
    local id = tx .. US .. flag
    if redis.call('ZADD', REV, 'NX', ts, id) == 1 then
      redis.call('HSET', REV_D, id, table.concat({ player, tx, ref, flag, units, currency, provider }, US))
    end
  end
end
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
