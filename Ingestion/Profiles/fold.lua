-- Folds one canonical event into a player's profile, atomically. Runs unchanged on Redis 7 (Lua 5.1)
-- and Garnet (Lua 5.4): only hashes, integer arithmetic on strings and string.format('%d').
--
-- The profile is a function of the SET of accepted events: every counter is a sum (order-free), every
-- attribute is last-writer-wins by event time (ties broken by value), first/last times are min/max, and a
-- ledger of recent transaction and event ids makes duplicates and rollbacks exact whichever arrives first.
--
-- KEYS: 1 profile hash, 2 day buckets, 3 per-game play, 4 ledger (all share the player's hash tag)
-- ARGV: 1 op, 2 ledger key, 3 time (unix ms), 4 day (days since 1970-01-01 UTC), 5 dedup horizon (days),
--       6 bucket retention (days), 7.. op-specific (see FoldCommand producers in EventParser.cs)
-- Returns 1 applied, 0 duplicate, 2 superseded (accepted, no change), -1 older than the dedup horizon.

local P, D, G, T = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local op, lk = ARGV[1], ARGV[2]
local ts, day = tonumber(ARGV[3]), tonumber(ARGV[4])
local horizon, retention = tonumber(ARGV[5]), tonumber(ARGV[6])

local function fmt(n) return string.format('%d', n) end

-- Per-day bucket: space-separated integers, trailing zeros dropped.
-- 1 deposits 2 deposit amount 3 withdrawals 4 withdrawal amount 5 bets 6 stake 7 win amount
-- 8 bonus stake 9 bonus granted 10 sessions 11 logins 12 active (0/1)
local NB = 12
local function bucket_add(d, deltas, active)
  local f = fmt(d)
  local cur = redis.call('HGET', D, f)
  local v = {}
  for i = 1, NB do v[i] = 0 end
  if cur then
    local i = 1
    for n in string.gmatch(cur, '%-?%d+') do v[i] = tonumber(n); i = i + 1 end
  end
  for i, delta in pairs(deltas) do v[i] = v[i] + delta end
  local newly_active = false
  if active and v[12] == 0 then v[12] = 1; newly_active = true end
  local last = 0
  for i = 1, NB do if v[i] ~= 0 then last = i end end
  if last == 0 then
    redis.call('HDEL', D, f)
  else
    local parts = {}
    for i = 1, last do parts[i] = fmt(v[i]) end
    redis.call('HSET', D, f, table.concat(parts, ' '))
  end
  if newly_active then redis.call('HINCRBY', P, 'ad', 1) end
end

local function hmax(key, field, value)
  local cur = redis.call('HGET', key, field)
  if not cur or tonumber(cur) < value then redis.call('HSET', key, field, fmt(value)) end
end

local function hmin(key, field, value)
  local cur = redis.call('HGET', key, field)
  if not cur or tonumber(cur) > value then redis.call('HSET', key, field, fmt(value)) end
end

-- Last writer wins by event time; equal times resolve to the greater value, so any order gives one answer.
local function lww(field, value)
  if value == '' then return end
  local stamp = redis.call('HGET', P, '@' .. field)
  if stamp then
    stamp = tonumber(stamp)
    if ts < stamp then return end
    if ts == stamp then
      local cur = redis.call('HGET', P, field)
      if cur and cur >= value then return end
    end
  end
  redis.call('HSET', P, field, value, '@' .. field, fmt(ts))
end

-- Splits on '|' (string.gmatch treats empty matches differently in Lua 5.1 and 5.4, so find is used).
local function split(s)
  local out, start = {}, 1
  while true do
    local i = string.find(s, '|', start, true)
    if not i then out[#out + 1] = string.sub(s, start); return out end
    out[#out + 1] = string.sub(s, start, i - 1)
    start = i + 1
  end
end

local function neg(n) return fmt(-tonumber(n)) end

-- Ledger values start with a kind letter and the day they belong to: 'K|day|...'.
local function ledger_day(v)
  local d = string.match(v, '^[^|]*|(%-?%d+)')
  return tonumber(d or '0')
end

local counted = op ~= 'reg' and op ~= 'upd' and op ~= 'consent' and op ~= 'rg'

-- Horizon and housekeeping: 'md' is the newest activity day seen. Pruning runs only when it advances,
-- so at most once per player and day.
local md = tonumber(redis.call('HGET', P, 'md') or '-1')
if counted then
  if md >= 0 and day < md - horizon then return -1 end
  if day > md then
    redis.call('HSET', P, 'md', fmt(day))
    if md >= 0 then
      local entries = redis.call('HGETALL', T)
      for i = 1, #entries, 2 do
        if ledger_day(entries[i + 1]) < day - horizon then redis.call('HDEL', T, entries[i]) end
      end
      local days = redis.call('HKEYS', D)
      for i = 1, #days do
        if tonumber(days[i]) <= day - retention then redis.call('HDEL', D, days[i]) end
      end
    end
  end
end

local function seen_event()
  if redis.call('HEXISTS', T, lk) == 1 then return true end
  redis.call('HSET', T, lk, 'E|' .. fmt(day))
  return false
end

local function touch_active()
  hmax(P, 'la', ts)
end

if op == 'reg' then
  local fresh = not seen_event()
  hmin(P, 'reg', ts)
  lww('cty', ARGV[7]); lww('cur', ARGV[8]); lww('mkt', ARGV[9]); lww('by', ARGV[10])
  lww('chn', ARGV[11]); lww('aff', ARGV[12]); lww('cmp', ARGV[13])
  return fresh and 1 or 0

elseif op == 'upd' then
  local fresh = not seen_event()
  lww('cty', ARGV[7]); lww('mkt', ARGV[8]); lww('kyc', ARGV[9]); lww('vip', ARGV[10])
  return fresh and 1 or 0

elseif op == 'consent' then
  local fresh = not seen_event()
  lww('c:' .. ARGV[7], ARGV[8])
  return fresh and 1 or 0

elseif op == 'rg' then
  local fresh = not seen_event()
  local kind, untilv, amount, period = ARGV[7], ARGV[8], ARGV[9], ARGV[10]
  if kind == 'self_exclusion' then lww('se', untilv == '' and 'inf' or untilv)
  elseif kind == 'cooling_off' then lww('co', untilv)
  elseif kind == 'block' then lww('bl', untilv == '' and 'inf' or untilv)
  elseif kind == 'deposit_limit' then lww('dl', amount .. '|' .. period)
  elseif kind == 'lifted' then hmax(P, 'lf', ts)
  end
  return fresh and 1 or 0

elseif op == 'login' then
  if seen_event() then return 0 end
  redis.call('HINCRBY', P, 'lc', 1)
  bucket_add(day, { [11] = 1 }, true)
  lww('dev', ARGV[7])
  touch_active()
  return 1

elseif op == 'sess' then
  if seen_event() then return 0 end
  local game, started, ended = ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9])
  redis.call('HINCRBY', P, 'sc', 1)
  bucket_add(day, { [10] = 1 }, true)
  hmax(G, game .. ':t', ended)
  lww('dev', ARGV[10])
  touch_active()
  return 1

elseif op == 'bonus' then
  if redis.call('HEXISTS', T, lk) == 1 then return 0 end
  local units = ARGV[8]
  redis.call('HSET', T, lk, 'B|' .. fmt(day) .. '|' .. units)
  redis.call('HINCRBY', P, 'bo', units)
  bucket_add(day, { [9] = tonumber(units) }, false)
  return 1

elseif op == 'bet' then
  local units, bonus, game = ARGV[8], ARGV[9], ARGV[10]
  local prior = redis.call('HGET', T, lk)
  -- Activity times record the attempt, so they do not depend on whether the rollback came first.
  hmax(P, 'lb', ts); touch_active()
  hmax(G, game .. ':t', ts)
  if prior then
    if string.sub(prior, 1, 1) == 'R' then
      redis.call('HSET', T, lk, 'C|' .. fmt(day))
      bucket_add(day, {}, true)
      return 1
    end
    return 0
  end
  redis.call('HSET', T, lk, 'b|' .. fmt(day) .. '|' .. units .. '|' .. bonus .. '|' .. game)
  redis.call('HINCRBY', P, 'bc', 1)
  redis.call('HINCRBY', P, 'sa', units)
  redis.call('HINCRBY', P, 'bs', bonus)
  redis.call('HINCRBY', G, game .. ':n', 1)
  redis.call('HINCRBY', G, game .. ':s', units)
  bucket_add(day, { [5] = 1, [6] = tonumber(units), [8] = tonumber(bonus) }, true)
  return 1

elseif op == 'win' then
  local units = ARGV[8]
  local prior = redis.call('HGET', T, lk)
  if prior then
    if string.sub(prior, 1, 1) == 'R' then
      redis.call('HSET', T, lk, 'C|' .. fmt(day))
      return 1
    end
    return 0
  end
  redis.call('HSET', T, lk, 'w|' .. fmt(day) .. '|' .. units)
  redis.call('HINCRBY', P, 'wn', units)
  bucket_add(day, { [7] = tonumber(units) }, false)
  return 1

elseif op == 'dep' or op == 'wd' then
  local units, status = ARGV[8], ARGV[9]
  local kind = op == 'dep' and 'D' or 'W'
  local cf, af, ci, ai = 'dc', 'da', 1, 2
  if op == 'wd' then cf, af, ci, ai = 'wc', 'wa', 3, 4 end
  local rank = { pending = 1, rejected = 2, approved = 3 }
  -- Times and the active day record every approved attempt, so they are the same whatever came first.
  if status == 'approved' then
    if op == 'dep' then hmin(P, 'fd', ts); hmax(P, 'ld', ts) end
    touch_active()
    bucket_add(day, {}, true)
  end
  local function count(d, u, sign)
    redis.call('HINCRBY', P, cf, sign)
    redis.call('HINCRBY', P, af, fmt(sign * tonumber(u)))
    bucket_add(d, { [ci] = sign, [ai] = sign * tonumber(u) }, false)
  end
  local function record()
    redis.call('HSET', T, lk, kind .. '|' .. fmt(day) .. '|' .. status .. '|' .. units .. '|' .. fmt(ts))
    if status == 'approved' then count(day, units, 1) end
  end
  local prior = redis.call('HGET', T, lk)
  if not prior then record(); return 1 end
  local k = string.sub(prior, 1, 1)
  if k == 'R' then
    -- The rollback came first: remember the transaction as cancelled; nothing is counted.
    redis.call('HSET', T, lk, 'C|' .. fmt(day))
    return 1
  end
  if k ~= kind then return 0 end
  local f = split(prior)
  local pday, pstatus, punits, pts = tonumber(f[2]), f[3], f[4], tonumber(f[5])
  if pstatus == status and pts == ts then return 0 end
  -- The later state of a payment wins; at equal times approved > rejected > pending.
  if ts < pts or (ts == pts and rank[status] <= rank[pstatus]) then return 2 end
  if pstatus == 'approved' then count(pday, punits, -1) end
  record()
  return 1

elseif op == 'rb' then
  local prior = redis.call('HGET', T, lk)
  if not prior then
    redis.call('HSET', T, lk, 'R|' .. fmt(day))
    return 1
  end
  local f = split(prior)
  local k, pday = f[1], tonumber(f[2])
  if k == 'R' or k == 'C' or k == 'E' or k == 'B' then return 0 end
  redis.call('HSET', T, lk, 'C|' .. fmt(pday))
  if k == 'b' then
    local units, bonus, game = f[3], f[4], table.concat(f, '|', 5)
    redis.call('HINCRBY', P, 'bc', -1)
    redis.call('HINCRBY', P, 'sa', neg(units))
    redis.call('HINCRBY', P, 'bs', neg(bonus))
    redis.call('HINCRBY', G, game .. ':n', -1)
    redis.call('HINCRBY', G, game .. ':s', neg(units))
    bucket_add(pday, { [5] = -1, [6] = -tonumber(units), [8] = -tonumber(bonus) }, false)
  elseif k == 'w' then
    redis.call('HINCRBY', P, 'wn', neg(f[3]))
    bucket_add(pday, { [7] = -tonumber(f[3]) }, false)
  elseif (k == 'D' or k == 'W') and f[3] == 'approved' then
    local cf, af, ci, ai = 'dc', 'da', 1, 2
    if k == 'W' then cf, af, ci, ai = 'wc', 'wa', 3, 4 end
    redis.call('HINCRBY', P, cf, -1)
    redis.call('HINCRBY', P, af, neg(f[4]))
    bucket_add(pday, { [ci] = -1, [ai] = -tonumber(f[4]) }, false)
  end
  return 1
end

return redis.error_reply('unknown op ' .. tostring(op))
