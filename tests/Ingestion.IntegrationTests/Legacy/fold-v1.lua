-- The fold script as the version before the retention-long ledger shipped it (ledger t:{player}, a 3-day horizon),
-- kept unchanged so LedgerUpgradeTests can write a store in that form and check the upgrade carries it over.
-- Folds a run of canonical events into players' profiles, in order, atomically. Runs unchanged on Redis 7
-- (Lua 5.1) and Garnet (Lua 5.4): only hashes, integer arithmetic on strings and string.format('%d').
--
-- The profile is a function of the SET of accepted events: every counter is a sum (order-free), every
-- attribute is last-writer-wins by event time (ties broken by value), first/last times are min/max, and a
-- ledger of recent transaction and event ids makes duplicates and rollbacks exact whichever arrives first.
--
-- One call carries many events so the cost of a call is shared, grouped into runs: all of a call's events of one
-- player, in their order. Every key it touches is in KEYS, and the caller groups players by hash slot, so on a
-- cluster one call stays on one node.
--
-- KEYS: four per run (player): profile hash, day buckets, per-game play, ledger (all share the player's hash tag)
-- ARGV: see the main loop at the end.
-- Returns one outcome per event (see the main loop at the end).
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

-- Most writes are held back while a player's run lasts and sent when it ends: the profile's time and day fields
-- with one HSET, each counter once with the run's net change (none when it nets to zero), the games' last-played
-- times with one HSET. A write costs Redis far more than a read (it is propagated to the AOF), and a batch often
-- holds several events of one player, so this is most of what a run saves. Events later in the run read the
-- held values. Rarer writes (attributes, the ledger, first activity of a day) go straight to the store; they
-- never touch a held field. The tables below are reused from run to run: making tables costs Lua more than
-- emptying them.

-- The current player's keys; the current event: the offset of its arguments (argument i is ARGV[a + i]), op,
-- ledger key, time and day (as numbers and as text; day is a number only once advance needed it), and whether
-- it falls on the player's newest day.
local P, D, G, T, a
local op, lk, ts, tss, day, ds, on_newest
local horizon, retention = tonumber(ARGV[1]), tonumber(ARGV[2])

-- Profile fields read once per run (HMGET) and written once at its end: pv holds their values (false when
-- absent), pd marks those to write.
local PF = { 'md', 'lb', 'la', 'ay', 'fd', 'ld' }
local MD, LB, LA, AY, FD, LD = 1, 2, 3, 4, 5, 6
local pv, pd = nil, {}

-- Held counter changes of the day buckets and games (field -> change), and games' last-played times (field -> text).
local dinc, ginc, gtime = {}, {}, {}

-- Increments stay well inside the integers a double holds exactly (2^53); beyond that Redis adds them.
local LIMIT = 2 ^ 52

local function add(held, key, field, delta)
  local n = (held[field] or 0) + delta
  if n > LIMIT or n < -LIMIT then
    redis.call('HINCRBY', key, field, fmt(n))
    n = 0
  end
  held[field] = n
end

local function send_counters(held, key)
  for f, n in pairs(held) do
    if n ~= 0 then redis.call('HINCRBY', key, f, fmt(n)) end
    held[f] = nil
  end
end

-- Sends every held write of the run.
local function flush()
  local args, n = {}, 0
  for i = 1, #PF do
    if pd[i] then
      args[n + 1], args[n + 2] = PF[i], pv[i]
      n = n + 2
      pd[i] = false
    end
  end
  if n > 0 then redis.call('HSET', P, unpack(args, 1, n)) end
  send_counters(dinc, D)
  send_counters(ginc, G)
  args, n = {}, 0
  for f, v in pairs(gtime) do
    args[n + 1], args[n + 2] = f, v
    n = n + 2
    gtime[f] = nil
    -- In slices: unpack is bounded by Lua's stack.
    if n == 1000 then redis.call('HSET', G, unpack(args, 1, n)); n = 0 end
  end
  if n > 0 then redis.call('HSET', G, unpack(args, 1, n)) end
end

local function pset(i, value)
  pv[i] = value
  pd[i] = true
end

-- Max/min of the event time over a held profile field.
-- Whether a stored time (unix ms, as text) is before or after the event's. Times are never negative (the parser
-- refuses times before 1970) and carry no leading zeros, so two with as many digits order as text: that spares
-- tonumber (two strtod calls in Lua 5.1) on nearly every event.
local function before_event(cur)
  if #cur == #tss then return cur < tss end
  return tonumber(cur) < ts
end

local function after_event(cur)
  if #cur == #tss then return cur > tss end
  return tonumber(cur) > ts
end

local function pmax(i)
  local cur = pv[i]
  if not cur or before_event(cur) then pset(i, tss) end
end

local function pmin(i)
  local cur = pv[i]
  if not cur or after_event(cur) then pset(i, tss) end
end

local function hmax(key, field, value, text)
  local cur = redis.call('HGET', key, field)
  if not cur or tonumber(cur) < value then redis.call('HSET', key, field, text) end
end

local function hmin(key, field, value, text)
  local cur = redis.call('HGET', key, field)
  if not cur or tonumber(cur) > value then redis.call('HSET', key, field, text) end
end

-- A game's last-played time: the held one if any, else the stored one.
local function game_time(field, value, text)
  local cur = gtime[field]
  if not cur then cur = redis.call('HGET', G, field) end
  if not cur or tonumber(cur) < value then gtime[field] = text end
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
-- drops days past retention. It reads the stored buckets, so the run's held bucket changes are sent first.
local function compact(upto)
  send_counters(dinc, D)
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
      local sum = adds[d]
      if not sum then sum = {}; adds[d] = sum end
      pos = tonumber(pos)
      sum[pos] = (sum[pos] or 0) + tonumber(entries[i + 1])
      lifetime_add(pos, entries[i + 1])
    end
  end
  for pos, sum in pairs(life) do
    if sum ~= 0 then redis.call('HINCRBY', P, LIFETIME[pos], fmt(sum)) end
  end
  hdel_all(D, dead)
  for d, sum in pairs(adds) do
    local v = numbers(whole[d])
    for pos, delta in pairs(sum) do
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
local function advance()
  -- Nearly every event falls on the player's newest day: nothing to decide then.
  if pv[MD] == ds then
    on_newest = true
    return true
  end
  day = tonumber(ds)
  local md = tonumber(pv[MD] or '-1')
  if md >= 0 and day < md - horizon then return false end
  on_newest = day == md
  if day > md then
    on_newest = true
    pset(MD, ds)
    if md >= 0 then
      local dead = {}
      local entries = redis.call('HGETALL', T)
      for i = 1, #entries, 2 do
        if ledger_day(entries[i + 1]) < day - horizon then dead[#dead + 1] = entries[i] end
      end
      hdel_all(T, dead)
      compact(day)
    end
  end
  return true
end

-- Marks the event's day active; counts it in 'ad' the first time. 'ay' in the profile is the newest day already
-- marked active, which spares a lookup on nearly every event.
local function mark_active()
  if pv[AY] == ds then return end
  local whole = redis.call('HGET', D, ds)
  if not (whole and numbers(whole)[NB] == '1') and redis.call('HSETNX', D, ds .. ':12', '1') == 1 then
    redis.call('HINCRBY', P, 'ad', '1')
  end
  if on_newest then pset(AY, ds) end
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
  lww('cty', ARGV[a + 5]); lww('cur', ARGV[a + 6]); lww('mkt', ARGV[a + 7]); lww('by', ARGV[a + 8])
  lww('chn', ARGV[a + 9]); lww('aff', ARGV[a + 10]); lww('cmp', ARGV[a + 11])
  return fresh and 1 or 0
end

function ops.upd()
  local fresh = not seen_event()
  lww('cty', ARGV[a + 5]); lww('mkt', ARGV[a + 6]); lww('kyc', ARGV[a + 7]); lww('vip', ARGV[a + 8])
  return fresh and 1 or 0
end

function ops.consent()
  local fresh = not seen_event()
  lww('c:' .. ARGV[a + 5], ARGV[a + 6])
  return fresh and 1 or 0
end

function ops.rg()
  local fresh = not seen_event()
  local kind, untilv, amount, period = ARGV[a + 5], ARGV[a + 6], ARGV[a + 7], ARGV[a + 8]
  if kind == 'self_exclusion' then lww('se', untilv == '' and 'inf' or untilv)
  elseif kind == 'cooling_off' then lww('co', untilv)
  elseif kind == 'block' then lww('bl', untilv == '' and 'inf' or untilv)
  elseif kind == 'deposit_limit' then lww('dl', amount .. '|' .. period)
  elseif kind == 'lifted' then hmax(P, 'lf', ts, tss)
  end
  return fresh and 1 or 0
end

function ops.login()
  if not advance() then return -1 end
  if seen_event() then return 0 end
  add(dinc, D, ds .. ':11', 1)
  mark_active()
  lww('dev', ARGV[a + 5])
  pmax(LA)
  return 1
end

function ops.sess()
  if not advance() then return -1 end
  if seen_event() then return 0 end
  local game, ended = ARGV[a + 5], ARGV[a + 7]
  add(dinc, D, ds .. ':10', 1)
  mark_active()
  game_time(game .. ':t', tonumber(ended), ended)
  lww('dev', ARGV[a + 8])
  pmax(LA)
  return 1
end

function ops.bonus()
  if not advance() then return -1 end
  local units = ARGV[a + 5]
  if claim('B|' .. ds .. '|' .. units) then return 0 end
  add(dinc, D, ds .. ':9', tonumber(units))
  return 1
end

function ops.bet()
  if not advance() then return -1 end
  local units, bonus, game = ARGV[a + 5], ARGV[a + 6], ARGV[a + 7]
  local la = pv[LA]
  -- Activity times record the attempt, so they do not depend on whether the rollback came first.
  pmax(LB); pmax(LA)
  -- Every game time is at most 'la', so a bet at or after 'la' is its game's newest play: no read needed.
  local gt = game .. ':t'
  if not la or not after_event(la) then gtime[gt] = tss else game_time(gt, ts, tss) end
  local prior = claim('b|' .. ds .. '|' .. units .. '|' .. bonus .. '|' .. game)
  if prior then
    if string.sub(prior, 1, 1) == 'R' then
      redis.call('HSET', T, lk, 'C|' .. ds)
      mark_active()
      return 1
    end
    return 0
  end
  local n = tonumber(units)
  add(ginc, G, game .. ':n', 1)
  add(ginc, G, game .. ':s', n)
  add(dinc, D, ds .. ':5', 1)
  add(dinc, D, ds .. ':6', n)
  if bonus ~= '0' then add(dinc, D, ds .. ':8', tonumber(bonus)) end
  mark_active()
  return 1
end

function ops.win()
  if not advance() then return -1 end
  local units = ARGV[a + 5]
  local prior = claim('w|' .. ds .. '|' .. units)
  if prior then
    if string.sub(prior, 1, 1) == 'R' then
      redis.call('HSET', T, lk, 'C|' .. ds)
      return 1
    end
    return 0
  end
  if units ~= '0' then add(dinc, D, ds .. ':7', tonumber(units)) end
  return 1
end

local RANK = { pending = 1, rejected = 2, approved = 3 }

local function payment()
  local dep = op == 'dep'
  local kind, ci, ai = 'D', ':1', ':2'
  if not dep then kind, ci, ai = 'W', ':3', ':4' end
  if not advance() then return -1 end
  local units, status = ARGV[a + 5], ARGV[a + 6]
  local approved = status == 'approved'
  -- Times and the active day record every approved attempt, so they are the same whatever came first.
  if approved then
    if dep then pmin(FD); pmax(LD) end
    pmax(LA)
    mark_active()
  end
  local record = kind .. '|' .. ds .. '|' .. status .. '|' .. units .. '|' .. tss
  local prior = claim(record)
  if not prior then
    if approved then add(dinc, D, ds .. ci, 1); add(dinc, D, ds .. ai, tonumber(units)) end
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
  if pstatus == 'approved' then add(dinc, D, pday .. ci, -1); add(dinc, D, pday .. ai, -tonumber(punits)) end
  redis.call('HSET', T, lk, record)
  if approved then add(dinc, D, ds .. ci, 1); add(dinc, D, ds .. ai, tonumber(units)) end
  return 1
end

ops.dep = payment
ops.wd = payment

function ops.rb()
  if not advance() then return -1 end
  local prior = claim('R|' .. ds)
  if not prior then return 1 end
  local f = split(prior)
  local k, pday = f[1], f[2]
  if k == 'R' or k == 'C' or k == 'E' or k == 'B' then return 0 end
  redis.call('HSET', T, lk, 'C|' .. pday)
  if k == 'b' then
    local units, bonus, game = tonumber(f[3]), f[4], table.concat(f, '|', 5)
    add(ginc, G, game .. ':n', -1)
    add(ginc, G, game .. ':s', -units)
    add(dinc, D, pday .. ':5', -1)
    add(dinc, D, pday .. ':6', -units)
    if bonus ~= '0' then add(dinc, D, pday .. ':8', -tonumber(bonus)) end
  elseif k == 'w' then
    if f[3] ~= '0' then add(dinc, D, pday .. ':7', -tonumber(f[3])) end
  elseif (k == 'D' or k == 'W') and f[3] == 'approved' then
    local ci, ai = ':1', ':2'
    if k == 'W' then ci, ai = ':3', ':4' end
    add(dinc, D, pday .. ci, -1)
    add(dinc, D, pday .. ai, -tonumber(f[4]))
  end
  return 1
end

-- Arguments of each op after the four every event has (see EventParser.cs): records have no length of their own.
local ARITY = { reg = 7, upd = 4, login = 1, consent = 2, rg = 4, dep = 2, wd = 2, bet = 3, win = 2, rb = 0, bonus = 1, sess = 4 }

-- ARGV: 1 dedup horizon (days), 2 bucket retention (days), then one run per player, in the order of KEYS:
--   m (events in the run), then m records back to back, each the event's arguments: 1 op, 2 ledger key,
--   3 time (unix ms), 4 day (days since 1970-01-01 UTC), then ARITY[op] op-specific ones.
-- Returns one outcome per event: 1 applied, 0 duplicate, 2 superseded (accepted, no change), -1 older than
-- the dedup horizon.
local out = {}
local o, k = 3, 0
while o <= #ARGV do
  local m = tonumber(ARGV[o])
  o = o + 1
  P, D, G, T = KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4]
  k = k + 4
  pv = redis.call('HMGET', P, unpack(PF))
  for _ = 1, m do
    a = o - 1
    op, lk, tss, ds = ARGV[o], ARGV[o + 1], ARGV[o + 2], ARGV[o + 3]
    ts = tonumber(tss)
    local fold, arity = ops[op], ARITY[op]
    if not fold then return redis.error_reply('unknown op ' .. tostring(op)) end
    out[#out + 1] = fold()
    o = o + 4 + arity
  end
  flush()
end
return out
