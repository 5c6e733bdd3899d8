-- Keeps one source's reconciliation as its wallet and payment events are folded: open rounds, orphan rollbacks,
-- conflicting duplicates and reversed money. Atomic per call, so several Ingestion instances may send events of one
-- source at once; every state is a function of the set of events seen, whatever order they arrive in:
--   a round is open from its first bet until a closing win or a rollback of one of its bets (a closing event seen
--   first leaves the round closed for good); a rollback waits as an orphan until its transaction arrives.
-- Every key is the source's (one hash tag), so the same script runs on Redis Cluster.
--
-- KEYS: 1 tx (transactionId -> version: op, player, round or ref, game, units, currency joined by \30) 2 rounds (roundId -> 'c' closed,
-- or 'o|bet ms|player|transactionId' open) 3 waiting rollbacks (referenced transactionId -> 1) 4 expiry (state field
-- -> arrival ms, for the horizon) 5 meta (closes, gone:<kind>) then per kind (open, orphan, conflict, reversed): the
-- item set (id -> time) and its details (id -> fields joined by \31): 6 7, 8 9, 10 11, 12 13.
-- ARGV: now ms, horizon ms, retention ms, then ARITY values per event:
--   op (bet|win|rb|pay) player transactionId ref (bet/win: round, rb: referenced transaction, pay: dep|wd) game
--   units currency time-ms flag (win: 1 closes the round, pay: status) provider
-- Reply: nothing (the state is read by ReconciliationStore).
local TX, ROUNDS, WAIT, EXP, META = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local OPEN, OPEN_D, ORPHAN, ORPHAN_D, CONFLICT, CONFLICT_D, REV, REV_D = KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12], KEYS[13]
local now, horizon, retention = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local ARITY, US, RS = 10, '\31', '\30'
local nows = ARGV[1]

local function close_round(round)
  local r = redis.call('HGET', ROUNDS, round)
  if r == 'c' then return end
  redis.call('HSET', ROUNDS, round, 'c')
  redis.call('ZADD', EXP, nows, 'r:' .. round)
  if r then
    redis.call('ZREM', OPEN, round)
    redis.call('HDEL', OPEN_D, round)
  end
end

-- Records the transaction's version; true when it is new. A known transaction resent with another version is a
-- conflict, kept once per distinct version with both versions; the first stays.
local function known(tx, version, player, ts)
  local v = redis.call('HGET', TX, tx)
  if not v then
    redis.call('HSET', TX, tx, version)
    redis.call('ZADD', EXP, nows, 't:' .. tx)
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

-- An arrived transaction adopts the rollback that waited for it; a rolled-back bet closes its round.
local function adopt(tx)
  if redis.call('HDEL', WAIT, tx) == 1 then
    redis.call('ZREM', ORPHAN, tx)
    redis.call('HDEL', ORPHAN_D, tx)
    return true
  end
  return false
end

-- The horizon: state of transactions and closed rounds that arrived longer ago than it is forgotten before the events are
-- judged (a few fields a
-- call, oldest first). Open rounds and waiting rollbacks stay while their item does.
local stale = redis.call('ZRANGEBYSCORE', EXP, '-inf', string.format('%d', now - horizon), 'LIMIT', 0, 200)
for _, f in ipairs(stale) do
  local kind, id = string.sub(f, 1, 1), string.sub(f, 3)
  if kind == 't' then
    redis.call('HDEL', TX, id)
  elseif kind == 'r' then
    if redis.call('HGET', ROUNDS, id) == 'c' then redis.call('HDEL', ROUNDS, id) end
  end
  redis.call('ZREM', EXP, f)
end

for a = 4, #ARGV, ARITY do
  local op, player, tx, ref, game, units, currency, ts, flag, provider =
    ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6], ARGV[a + 7], ARGV[a + 8], ARGV[a + 9]
  if op == 'bet' then
    if not known(tx, table.concat({ 'bet', player, ref, game, units, currency }, RS), player, ts) then
      if adopt(tx) then
        close_round(ref)
      else
        local r = redis.call('HGET', ROUNDS, ref)
        if not r or (r ~= 'c' and tonumber(ts) < tonumber(string.match(r, '^o|(%d+)'))) then
          redis.call('HSET', ROUNDS, ref, 'o|' .. ts .. '|' .. player .. '|' .. tx)
          redis.call('ZADD', EXP, nows, 'r:' .. ref)
          redis.call('ZADD', OPEN, ts, ref)
          redis.call('HSET', OPEN_D, ref, table.concat({ player, tx, game, provider }, US))
        end
      end
    end
  elseif op == 'win' then
    if not known(tx, table.concat({ 'win', player, ref, game, units, currency }, RS), player, ts) then
      adopt(tx)
      if flag == '1' then
        redis.call('HSET', META, 'closes', '1')
        close_round(ref)
      end
    end
  elseif op == 'rb' then
    if not known(tx, table.concat({ 'rb', player, ref }, RS), player, ts) then
      local target = redis.call('HGET', TX, ref)
      if target then
        local round = string.match(target, '^bet\30[^\30]*\30([^\30]*)\30')
        if round then close_round(round) end
      elseif redis.call('HSETNX', WAIT, ref, '1') == 1 then
        redis.call('ZADD', EXP, nows, 'w:' .. ref)
        redis.call('ZADD', ORPHAN, nows, ref)
        redis.call('HSET', ORPHAN_D, ref, table.concat({ player, tx, ts, provider }, US))
      end
    end
  elseif op == 'pay' then
    local id = tx .. US .. flag
    if redis.call('ZADD', REV, 'NX', ts, id) == 1 then
      redis.call('HSET', REV_D, id, table.concat({ player, tx, ref, flag, units, currency, provider }, US))
    end
  end
end

-- The retention: items older than it are dropped, and counted in gone:<kind> so the counts stay exact.
local function expire(set, details, kind, extra)
  local old = redis.call('ZRANGEBYSCORE', set, '-inf', string.format('%d', now - retention), 'LIMIT', 0, 200)
  for _, id in ipairs(old) do
    redis.call('ZREM', set, id)
    redis.call('HDEL', details, id)
    if extra then redis.call('HDEL', extra, id) end
    redis.call('HINCRBY', META, 'gone:' .. kind, 1)
  end
end
expire(OPEN, OPEN_D, 'open', ROUNDS)
expire(ORPHAN, ORPHAN_D, 'orphan', WAIT)
expire(CONFLICT, CONFLICT_D, 'conflict')
expire(REV, REV_D, 'reversed')
return 0
