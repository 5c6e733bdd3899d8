-- Folds a run of canonical events into players' profiles, in order, atomically. Runs unchanged on Redis 7
-- (Lua 5.1) and Garnet (Lua 5.4): only hashes, integer arithmetic on strings and string.format('%d').
--
-- The profile is a function of the SET of accepted events: every counter is a sum (order-free), every
-- attribute is last-writer-wins by event time (ties broken by value), first/last times are min/max, and a
-- ledger of recent transaction and event ids makes duplicates and rollbacks exact whichever arrives first.
--
-- One call carries many events so the cost of a call is shared; every key it touches is in KEYS, and the
-- caller groups events by hash slot, so on a cluster one call stays on one node.
--
-- KEYS: four per player: profile hash, day buckets, per-game play, ledger (all share the player's hash tag)
-- ARGV: one record per event, back to back:
--   n (items in the record, itself included), player (1-based: which four KEYS), then the event's own
--   arguments: 1 op, 2 ledger key, 3 time (unix ms), 4 day (days since 1970-01-01 UTC), 5 dedup horizon
--   (days), 6 bucket retention (days), 7.. op-specific (see FoldCommand producers in EventParser.cs)
-- Returns one outcome per event: 1 applied, 0 duplicate, 2 superseded (accepted, no change), -1 older than
-- the dedup horizon.
--
-- Day buckets. A day is kept as one field holding twelve space-separated integers:
--   1 deposits 2 deposit amount 3 withdrawals 4 withdrawal amount 5 bets 6 stake 7 win amount
--   8 bonus stake 9 bonus granted 10 sessions 11 logins 12 active (0/1)
-- Events add to 'day:position' fields with HINCRBY instead (parsing and rewriting the twelve numbers for every
-- bet is most of the cost of a fold in Redis's Lua); when a player's newest day advances, those fields of
-- earlier days are folded into the day's twelve numbers, so history stays compact. A reader adds both forms.
-- 'ay' in the profile is the newest day already marked active, which spares a lookup on every event.

local unpack = table.unpack or unpack
local function fmt(n) return string.format('%d', n) end
local function neg(n) return fmt(-tonumber(n)) end

-- The current event: its keys, the offset of its arguments (argument i is ARGV[a + i]), time and day,
-- the player's newest day after this event, and profile fields to write when the event is done.
local P, D, G, T, a
local op, lk, ts, tss, day, ds, newest
local pw

local function pset(field, value)
  pw[#pw + 1] = field
  pw[#pw + 1] = value
end

-- Max/min of an event time over a profile field whose current value was read already.
local function pmax(cur, field)
  if not cur or tonumber(cur) < ts then pset(field, tss) end
end

local function pmin(cur, field)
  if not cur or tonumber(cur) > ts then pset(field, tss) end
end

local function hmax(key, field, value, text)
  local cur = redis.call('HGET', key, field)
  if not cur or tonumber(cur) < value then redis.call('HSET', key, field, text) end
end

local function hmin(key, field, value, text)
  local cur = redis.call('HGET', key, field)
  if not cur or tonumber(cur) > value then redis.call('HSET', key, field, text) end
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
  redis.call('HSET', P, field, value, '@' .. field, tss)
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

local NB = 12
local BUCKET = '^' .. string.rep('(%-?%d+) ', NB - 1) .. '(%-?%d+)$'

-- A day's twelve numbers as strings (zeros when absent; buckets written before may lack trailing zeros).
local function numbers(s)
  local v = s and { string.match(s, BUCKET) } or {}
  if s and #v ~= NB then
    v = {}
    for n in string.gmatch(s, '%-?%d+') do v[#v + 1] = n end
  end
  for i = #v + 1, NB do v[i] = '0' end
  return v
end

-- HDEL in slices: unpack is bounded by Lua's stack.
local function hdel_all(key, fields)
  for i = 1, #fields, 500 do
    redis.call('HDEL', key, unpack(fields, i, math.min(i + 499, #fields)))
  end
end

-- Lifetime counters of the profile, by day position. An event changes only its day's 'day:position' field; the
-- lifetime counter takes the sum when compaction folds those fields, so lifetime = counter + open fields (the
-- reader adds them). That spares two or three writes per bet.
local LIFETIME = { 'dc', 'da', 'wc', 'wa', 'bc', 'sa', 'wn', 'bs', 'bo', 'sc', 'lc' }

-- Folds the 'day:position' fields of days before `upto` into their days' numbers and the lifetime counters;
-- drops days past retention.
local function compact(upto, retention)
  local entries = redis.call('HGETALL', D)
  local life = {}
  local function lifetime_add(pos, value)
    if LIFETIME[pos] then life[pos] = (life[pos] or 0) + tonumber(value) end
  end
  local dead, whole, adds = {}, {}, {}
  for i = 1, #entries, 2 do
    local f = entries[i]
    local d, pos = string.match(f, '^(%-?%d+):(%d+)$')
    local dn = tonumber(d or f)
    if dn <= upto - retention then
      dead[#dead + 1] = f
      if d then lifetime_add(tonumber(pos), entries[i + 1]) end
    elseif not d then
      whole[f] = entries[i + 1]
    elseif dn < upto then
      dead[#dead + 1] = f
      local add = adds[d]
      if not add then add = {}; adds[d] = add end
      pos = tonumber(pos)
      add[pos] = (add[pos] or 0) + tonumber(entries[i + 1])
      lifetime_add(pos, entries[i + 1])
    end
  end
  for pos, sum in pairs(life) do
    if sum ~= 0 then redis.call('HINCRBY', P, LIFETIME[pos], fmt(sum)) end
  end
  hdel_all(D, dead)
  for d, add in pairs(adds) do
    local v = numbers(whole[d])
    for pos, delta in pairs(add) do
      if pos == NB then
        if delta > 0 then v[NB] = '1' end
      elseif delta ~= 0 then
        v[pos] = fmt(tonumber(v[pos]) + delta)
      end
    end
    local empty = true
    for i = 1, NB do if v[i] ~= '0' then empty = false; break end end
    if empty then
      if whole[d] then redis.call('HDEL', D, d) end
    else
      redis.call('HSET', D, d, table.concat(v, ' '))
    end
  end
end

-- Ledger values start with a kind letter and the day they belong to: 'K|day|...'.
local function ledger_day(v)
  local d = string.match(v, '^[^|]*|(%-?%d+)')
  return tonumber(d or '0')
end

-- Horizon and housekeeping for counted events, given the profile's 'md' (newest activity day seen).
-- Pruning runs only when it advances, so at most once per player and day. False: older than the horizon.
local function advance(md)
  md = tonumber(md or '-1')
  local horizon, retention = tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
  if md >= 0 and day < md - horizon then return false end
  newest = md
  if day > md then
    newest = day
    pset('md', ds)
    if md >= 0 then
      local dead = {}
      local entries = redis.call('HGETALL', T)
      for i = 1, #entries, 2 do
        if ledger_day(entries[i + 1]) < day - horizon then dead[#dead + 1] = entries[i] end
      end
      hdel_all(T, dead)
      compact(day, retention)
    end
  end
  return true
end

-- Marks the event's day active; counts it in 'ad' the first time. `ay`: the profile's newest active day.
local function mark_active(ay)
  if ay == ds then return end
  local whole = redis.call('HGET', D, ds)
  if not (whole and numbers(whole)[NB] == '1') and redis.call('HSETNX', D, ds .. ':12', '1') == 1 then
    redis.call('HINCRBY', P, 'ad', '1')
  end
  if day == newest then pset('ay', ds) end
end

-- Claims the ledger entry for this event: nil when it is new (and now recorded as value), else the prior entry.
local function claim(value)
  if redis.call('HSETNX', T, lk, value) == 1 then return nil end
  return redis.call('HGET', T, lk)
end

local function seen_event()
  return redis.call('HSETNX', T, lk, 'E|' .. ds) == 0
end

local ops = {}

function ops.reg()
  local fresh = not seen_event()
  hmin(P, 'reg', ts, tss)
  lww('cty', ARGV[a + 7]); lww('cur', ARGV[a + 8]); lww('mkt', ARGV[a + 9]); lww('by', ARGV[a + 10])
  lww('chn', ARGV[a + 11]); lww('aff', ARGV[a + 12]); lww('cmp', ARGV[a + 13])
  return fresh and 1 or 0
end

function ops.upd()
  local fresh = not seen_event()
  lww('cty', ARGV[a + 7]); lww('mkt', ARGV[a + 8]); lww('kyc', ARGV[a + 9]); lww('vip', ARGV[a + 10])
  return fresh and 1 or 0
end

function ops.consent()
  local fresh = not seen_event()
  lww('c:' .. ARGV[a + 7], ARGV[a + 8])
  return fresh and 1 or 0
end

function ops.rg()
  local fresh = not seen_event()
  local kind, untilv, amount, period = ARGV[a + 7], ARGV[a + 8], ARGV[a + 9], ARGV[a + 10]
  if kind == 'self_exclusion' then lww('se', untilv == '' and 'inf' or untilv)
  elseif kind == 'cooling_off' then lww('co', untilv)
  elseif kind == 'block' then lww('bl', untilv == '' and 'inf' or untilv)
  elseif kind == 'deposit_limit' then lww('dl', amount .. '|' .. period)
  elseif kind == 'lifted' then hmax(P, 'lf', ts, tss)
  end
  return fresh and 1 or 0
end

function ops.login()
  local r = redis.call('HMGET', P, 'md', 'la', 'ay')
  if not advance(r[1]) then return -1 end
  if seen_event() then return 0 end
  redis.call('HINCRBY', D, ds .. ':11', '1')
  mark_active(r[3])
  lww('dev', ARGV[a + 7])
  pmax(r[2], 'la')
  return 1
end

function ops.sess()
  local r = redis.call('HMGET', P, 'md', 'la', 'ay')
  if not advance(r[1]) then return -1 end
  if seen_event() then return 0 end
  local game, ended = ARGV[a + 7], ARGV[a + 9]
  redis.call('HINCRBY', D, ds .. ':10', '1')
  mark_active(r[3])
  hmax(G, game .. ':t', tonumber(ended), ended)
  lww('dev', ARGV[a + 10])
  pmax(r[2], 'la')
  return 1
end

function ops.bonus()
  if not advance(redis.call('HGET', P, 'md')) then return -1 end
  local units = ARGV[a + 8]
  if claim('B|' .. ds .. '|' .. units) then return 0 end
  redis.call('HINCRBY', D, ds .. ':9', units)
  return 1
end

function ops.bet()
  local r = redis.call('HMGET', P, 'md', 'lb', 'la', 'ay')
  if not advance(r[1]) then return -1 end
  local units, bonus, game = ARGV[a + 8], ARGV[a + 9], ARGV[a + 10]
  -- Activity times record the attempt, so they do not depend on whether the rollback came first.
  pmax(r[2], 'lb'); pmax(r[3], 'la')
  -- Every game time is at most 'la', so a bet at or after 'la' is its game's newest play: no read needed.
  if not r[3] or tonumber(r[3]) <= ts then redis.call('HSET', G, game .. ':t', tss) else hmax(G, game .. ':t', ts, tss) end
  local prior = claim('b|' .. ds .. '|' .. units .. '|' .. bonus .. '|' .. game)
  if prior then
    if string.sub(prior, 1, 1) == 'R' then
      redis.call('HSET', T, lk, 'C|' .. ds)
      mark_active(r[4])
      return 1
    end
    return 0
  end
  redis.call('HINCRBY', G, game .. ':n', '1')
  redis.call('HINCRBY', G, game .. ':s', units)
  redis.call('HINCRBY', D, ds .. ':5', '1')
  redis.call('HINCRBY', D, ds .. ':6', units)
  if bonus ~= '0' then
    redis.call('HINCRBY', D, ds .. ':8', bonus)
  end
  mark_active(r[4])
  return 1
end

function ops.win()
  if not advance(redis.call('HGET', P, 'md')) then return -1 end
  local units = ARGV[a + 8]
  local prior = claim('w|' .. ds .. '|' .. units)
  if prior then
    if string.sub(prior, 1, 1) == 'R' then
      redis.call('HSET', T, lk, 'C|' .. ds)
      return 1
    end
    return 0
  end
  if units ~= '0' then
    redis.call('HINCRBY', D, ds .. ':7', units)
  end
  return 1
end

local RANK = { pending = 1, rejected = 2, approved = 3 }

local function payment()
  local dep = op == 'dep'
  local kind, cf, af, ci, ai = 'D', 'dc', 'da', ':1', ':2'
  if not dep then kind, cf, af, ci, ai = 'W', 'wc', 'wa', ':3', ':4' end
  local r = redis.call('HMGET', P, 'md', 'la', 'ay', 'fd', 'ld')
  if not advance(r[1]) then return -1 end
  local units, status = ARGV[a + 8], ARGV[a + 9]
  local approved = status == 'approved'
  -- Times and the active day record every approved attempt, so they are the same whatever came first.
  if approved then
    if dep then pmin(r[4], 'fd'); pmax(r[5], 'ld') end
    pmax(r[2], 'la')
    mark_active(r[3])
  end
  local function count(d, u, sign)
    local amount = fmt(sign * tonumber(u))
    redis.call('HINCRBY', D, d .. ci, fmt(sign))
    redis.call('HINCRBY', D, d .. ai, amount)
  end
  local record = kind .. '|' .. ds .. '|' .. status .. '|' .. units .. '|' .. tss
  local prior = claim(record)
  if not prior then
    if approved then count(ds, units, 1) end
    return 1
  end
  local k = string.sub(prior, 1, 1)
  if k == 'R' then
    -- The rollback came first: remember the transaction as cancelled; nothing is counted.
    redis.call('HSET', T, lk, 'C|' .. ds)
    return 1
  end
  if k ~= kind then return 0 end
  local f = split(prior)
  local pday, pstatus, punits, pts = f[2], f[3], f[4], tonumber(f[5])
  if pstatus == status and pts == ts then return 0 end
  -- The later state of a payment wins; at equal times approved > rejected > pending.
  if ts < pts or (ts == pts and RANK[status] <= RANK[pstatus]) then return 2 end
  if pstatus == 'approved' then count(pday, punits, -1) end
  redis.call('HSET', T, lk, record)
  if approved then count(ds, units, 1) end
  return 1
end

ops.dep = payment
ops.wd = payment

function ops.rb()
  if not advance(redis.call('HGET', P, 'md')) then return -1 end
  local prior = claim('R|' .. ds)
  if not prior then return 1 end
  local f = split(prior)
  local k, pday = f[1], f[2]
  if k == 'R' or k == 'C' or k == 'E' or k == 'B' then return 0 end
  redis.call('HSET', T, lk, 'C|' .. pday)
  if k == 'b' then
    local units, bonus, game = f[3], f[4], table.concat(f, '|', 5)
    redis.call('HINCRBY', G, game .. ':n', '-1')
    redis.call('HINCRBY', G, game .. ':s', neg(units))
    redis.call('HINCRBY', D, pday .. ':5', '-1')
    redis.call('HINCRBY', D, pday .. ':6', neg(units))
    if bonus ~= '0' then
      redis.call('HINCRBY', D, pday .. ':8', neg(bonus))
    end
  elseif k == 'w' then
    if f[3] ~= '0' then
      redis.call('HINCRBY', D, pday .. ':7', neg(f[3]))
    end
  elseif (k == 'D' or k == 'W') and f[3] == 'approved' then
    local cf, af, ci, ai = 'dc', 'da', ':1', ':2'
    if k == 'W' then cf, af, ci, ai = 'wc', 'wa', ':3', ':4' end
    redis.call('HINCRBY', D, pday .. ci, '-1')
    redis.call('HINCRBY', D, pday .. ai, neg(f[4]))
  end
  return 1
end

local out = {}
local o = 1
while o <= #ARGV do
  local k = tonumber(ARGV[o + 1]) * 4
  P, D, G, T = KEYS[k - 3], KEYS[k - 2], KEYS[k - 1], KEYS[k]
  a = o + 1
  op, lk, tss, ds = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]
  ts, day = tonumber(tss), tonumber(ds)
  local fold = ops[op]
  if not fold then return redis.error_reply('unknown op ' .. tostring(op)) end
  pw = {}
  out[#out + 1] = fold()
  if #pw > 0 then redis.call('HSET', P, unpack(pw)) end
  o = o + tonumber(ARGV[o])
end
return out
