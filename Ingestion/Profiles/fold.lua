-- Folds a run of canonical events into players' profiles, in order, atomically. Runs unchanged on Redis 7
-- (Lua 5.1) and Garnet (Lua 5.4): only hashes, string.byte/char/find/sub, arithmetic below 2^53, and
-- string.format('%d') for every number written (Lua 5.4 would print a float as '3.0').
--
-- The profile is a function of the SET of accepted events, whatever order they arrive in: every counter is a sum,
-- every attribute is last-writer-wins by event time (ties broken by value), first/last times are min/max, and a
-- per-player ledger remembers every counted transaction and event over the whole bucket retention, so duplicates,
-- rollbacks and payment states are exact whichever arrives first. An event older than the retention (from the
-- player's newest activity) is refused: its buckets are gone and its ledger record may be.
--
-- One call carries many events so the cost of a call is shared, grouped into runs: all of a call's events of one
-- player, in their order. Every key it touches is in KEYS, and the caller groups players by hash slot, so on a
-- cluster one call stays on one node.
--
-- KEYS: five per run (player): profile hash, day buckets, per-game play, ledger, erasure mark (all share the player's
-- hash tag). A player with an erasure mark (DELETE /v1/players/{id}) gets nothing: every event of the run is refused.
-- ARGV and the reply: see the main loop at the end.
--
-- Day buckets. A day is kept as one field holding up to twenty-seven space-separated integers (trailing zeros left
-- out, so a day without payment troubles costs what it did when there were twelve):
--   1 deposits 2 deposit amount 3 withdrawals 4 withdrawal amount 5 bets 6 stake 7 win amount
--   8 bonus stake 9 bonus granted 10 sessions 11 logins 12 active (0/1)
--   13-18 declined deposits by reason (insufficient_funds, limit_exceeded, suspected_fraud, authentication_failed,
--   expired_or_invalid, other) 19 chargebacks 20 chargeback amount 21 reversed deposits 22 reversed deposit amount
--   23 reversed withdrawals 24 reversed withdrawal amount 25 refunds 26 refund amount
--   27 payment methods of approved payments (a set: one bit per method, OR-ed, never summed)
-- Deposits, withdrawals, declines, chargebacks, reversals and refunds count a payment by its top-ranked state (see
-- payment()), on that state's day.
-- Events of the player's newest day ('md') add to 'day:position' fields with HINCRBY instead (parsing and
-- rewriting the twelve numbers for every bet is most of the cost of a fold in Redis's Lua); when the newest day
-- advances, those fields are folded into the day's twelve numbers. Events of an earlier day (late ones) change
-- that day's twelve numbers directly. A reader adds both forms. Lifetime counters in the profile hold every day
-- but the open 'day:position' fields (the reader adds those). 'ay' in the profile is the newest day already
-- marked active, which spares a lookup on every event.
--
-- The ledger (one hash per player). Each counted event leaves a record keyed by a 56-bit fingerprint of its
-- identity ('x:' transactionId for wallet events, 'e:' source '|' id for others, 'B:' bonusId), computed by the
-- caller (EventParser). A record is
--   fingerprint (7 bytes) | payload length (1) | kind * 4096 + day mod 4096 (2, big-endian) | payload
-- and records are packed back to back in buckets: field '<n>' holds the records whose fingerprint's first 16 bits,
-- divided by 2^(16 - level), are n. The level ('lk' in the profile) grows when the records ('ln') average more
-- than CAP a bucket, so a lookup reads one small value whatever the player's volume. Kinds (see E, R, … below)
-- and their payloads:
--   0 event seen, 1 rollback before its transaction, 2 cancelled transaction: none
--   3 bet: varint(amount code * 2 + has bonus) [varint(bonus code)] varint(game index)
--   4 win: varint(amount code)      5 deposit, 6 withdrawal: status bits (1 byte) varint(amount code) [reason (1 byte)]
-- (the reason, 1-6 in the order of positions 13-18, follows a declined deposit's amount; records written before
-- declines were counted have none, and their decline counts nowhere)
-- An amount code is units / 100 * 2 when units is a whole number of cents, else units * 2 + 1 (LedgerRecords.cs).
-- A payment's record holds every status seen and the amount and day of its highest-ranked one. Field 'g' holds the
-- player's games with their index: '\n' game '\t' index '\n' ... (ids hold no control characters). Records of days
-- past the retention are dropped by the pruning pass, which runs when the newest day has moved PRUNE_EVERY days.

local unpack = table.unpack or unpack
local byte, char, sub, find, floor = string.byte, string.char, string.sub, string.find, math.floor
local function fmt(n) return string.format('%d', n) end

-- Average records a ledger bucket before the buckets double; days the newest day moves between pruning passes.
local CAP, PRUNE_EVERY = 64, 30

-- The current player's keys; the current event: the offset of its arguments (argument i is ARGV[a + i]), op,
-- fingerprint, time and day (as numbers and as text), and whether it falls on the player's newest day.
local P, D, G, L, a
local op, fp, ts, tss, day, ds, on_newest
local retention = tonumber(ARGV[1])

-- Profile fields read once per run (HMGET) and written once at its end: pv holds their values (false when
-- absent), pd marks those to write. mdn is 'md' as a number (nil before the player's first counted event).
local PF = { 'md', 'lb', 'la', 'ay', 'fd', 'ld', 'lk', 'ln', 'lp' }
local MD, LB, LA, AY, FD, LD, LK, LN, LP = 1, 2, 3, 4, 5, 6, 7, 8, 9
local pv, pd, mdn = nil, {}, nil

-- Most writes are held back while a player's run lasts and sent when it ends: the profile's fields with one HSET,
-- each counter once with the run's net change (none when it nets to zero), the games' last-played times with one
-- HSET, the late days' numbers with one HSET, the ledger's changed buckets with one HSET. A write costs Redis far
-- more than a read (it is propagated to the AOF), and a batch often holds several events of one player. The
-- tables below are reused from run to run: making tables costs Lua more than emptying them.
-- dinc/ginc: counter changes of the newest day's open fields and of the games (field -> change); gtime: games'
-- last-played times (field -> text); late: twelve numbers of earlier days (day text -> numbers); life: lifetime
-- counter changes (position -> change); adinc: new active days.
local dinc, ginc, gtime, late, life, adinc = {}, {}, {}, {}, {}, 0
-- mheld: the newest day's open payment-method set ('day:27', a bit set, so it is rewritten rather than incremented).
local mheld = {}
-- The ledger: bucket values read or changed in this run (field -> value), those changed, the level and its
-- divisor, the record count; the game list (false until read) and game indices resolved in this run.
local lv, ldirty, level, scale, records = {}, {}, 0, 65536, 0
local glist, gdirty, gidx = false, false, {}

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

-- HSET of field/value pairs in slices (unpack is bounded by Lua's stack); HDEL likewise.
local function hset_pairs(key, args, n)
  for i = 1, n, 1000 do redis.call('HSET', key, unpack(args, i, math.min(i + 999, n))) end
end

local function hdel_all(key, fields)
  for i = 1, #fields, 500 do
    redis.call('HDEL', key, unpack(fields, i, math.min(i + 499, #fields)))
  end
end

local function pset(i, value)
  pv[i] = value
  pd[i] = true
end

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

-- Max/min of the event time over a held profile field.
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

-- Last writer wins by event time; equal times resolve to the greater value (or, given a rank, the higher-ranked one:
-- a rejection over an approval at the same instant), so any order gives one answer.
local function lww(field, value, rank)
  if value == '' then return end
  local stamp = redis.call('HGET', P, '@' .. field)
  if stamp then
    stamp = tonumber(stamp)
    if ts < stamp then return end
    if ts == stamp then
      local cur = redis.call('HGET', P, field)
      if cur then
        if rank then
          local x, y = rank[cur] or 0, rank[value] or 0
          if x > y or (x == y and cur >= value) then return end
        elseif cur >= value then
          return
        end
      end
    end
  end
  redis.call('HSET', P, field, value, '@' .. field, tss)
end

-- Verdicts that must win a tie: the stricter one (a RED review and a GREEN one stamped the same millisecond).
local KYC_RANK = { none = 0, verified = 1, pending = 2, retry = 3, rejected = 4 }
local AML_RANK = { low = 1, medium = 2, high = 3 }
local GEO_RANK = { allowed = 1, error = 2, blocked = 3 }

-- Numbers of a day; positions of the active flag and of the payment-method set, the two that are not sums.
local NB, ACT, MASK = 27, 12, 27

-- Bitwise OR of two payment-method sets (8 bits; Lua 5.1 has no bit operators).
local function bor(x, y)
  local r, b = 0, 1
  for _ = 1, 8 do
    if x % 2 == 1 or y % 2 == 1 then r = r + b end
    x, y, b = floor(x / 2), floor(y / 2), b * 2
  end
  return r
end

-- A day's numbers (zeros when absent; buckets may lack trailing zeros).
local function day_numbers(s)
  local v = {}
  if s then
    for n in string.gmatch(s, '%-?%d+') do v[#v + 1] = tonumber(n) end
  end
  for i = #v + 1, NB do v[i] = 0 end
  return v
end

-- Stores a day's numbers, or removes the day when they are all zero.
local function day_text(v)
  local last = 0
  for i = 1, NB do
    if v[i] ~= 0 then last = i end
  end
  if last == 0 then return nil end
  local t = {}
  for i = 1, last do t[i] = fmt(v[i]) end
  return table.concat(t, ' ')
end

-- Lifetime counters of the profile, by day position.
local LIFETIME = { 'dc', 'da', 'wc', 'wa', 'bc', 'sa', 'wn', 'bs', 'bo', 'sc', 'lc', false,
  'dr1', 'dr2', 'dr3', 'dr4', 'dr5', 'dr6', 'cbc', 'cba', 'rdc', 'rda', 'rwc', 'rwa', 'rfc', 'rfa' }

local function life_add(pos, delta)
  if LIFETIME[pos] then life[pos] = (life[pos] or 0) + delta end
end

-- The twelve numbers of an earlier day, held for the run.
local function late_day(d)
  local v = late[d]
  if not v then
    v = day_numbers(redis.call('HGET', D, d))
    late[d] = v
  end
  return v
end

-- Sends the held numbers of earlier days.
local function send_late()
  local args, n, gone = {}, 0, {}
  for d, v in pairs(late) do
    local text = day_text(v)
    if text then
      args[n + 1], args[n + 2] = d, text
      n = n + 2
    else
      gone[#gone + 1] = d
    end
    late[d] = nil
  end
  if n > 0 then hset_pairs(D, args, n) end
  if #gone > 0 then hdel_all(D, gone) end
end

-- >>> affiliate days (issue 24) -------------------------------------------------------------------------------------
-- What a player brings the affiliate they registered through, kept per UTC day as events are folded, so the affiliate
-- report reads per-affiliate-day counters instead of scanning profiles. The affiliate's counters live under its own
-- hash tag, which a fold call (one player's slot) cannot write on Redis Cluster: the fold leaves the changes in the
-- player's outbox (profile field 'Ao', numbered by 'Aq'), atomically with the events, and Ingestion moves them to the
-- affiliate right after the call (AffiliateDrain.cs), where a per-player mark of the last number applied makes the move
-- exact however often it is retried. Metrics of a change (AFF_M of them, AffiliateDays.cs names them):
--   1 registrations 2 first-time depositors 3 FTD amount 4 deposits 5 deposit amount 6 stake 7 win amount
--   8 bonus granted 9 chargebacks 10 chargeback amount 11 self-excluded players of the day's registrations
-- 4-10 follow the day buckets' positions (so rollbacks and payment states count exactly as in the profile); 1, 2, 3
-- and 11 follow the profile's 'reg', 'fd' (with 'Afa', the amount of the approved deposit at 'fd') and 'Asx' (ever
-- self-excluded). 'A', 'Ar', 'Af', 'Ax' hold what the credited affiliate has been given for them. When the player's
-- affiliate changes (or arrives after their deposits), the old one gives back what it had and the new one gets every
-- retained day of the player: days past the bucket retention stay where they were counted.
local AFF_M = 11
local AFF_AT = { [1] = 4, [2] = 5, [6] = 6, [7] = 7, [9] = 8, [19] = 9, [20] = 10 }
local AFF_DAY_MS = 86400000
-- This run's changes by day (text) to the metrics 4-10; affiliate outbox replies (run ordinals) for the caller.
local ainc, apend = {}, {}

-- The metrics of day d in table t (zeros, made when first asked for).
local function aff_day(t, d)
  local v = t[d]
  if not v then
    v = {}
    for i = 1, AFF_M do v[i] = 0 end
    t[d] = v
  end
  return v
end

local function aff_add(d, pos, delta)
  local m = AFF_AT[pos]
  if not m then return end
  local v = aff_day(ainc, d)
  v[m] = v[m] + delta
end

-- An approved deposit: it is the first deposit when no earlier one was seen ('fd' still held in pv); equal times go to
-- the greater amount, so any order gives one FTD amount.
local function aff_deposit(units)
  local cur = pv[FD]
  if not cur or after_event(cur) then
    redis.call('HSET', P, 'Afa', units)
  elseif cur == tss and tonumber(units) > tonumber(redis.call('HGET', P, 'Afa') or '0') then
    redis.call('HSET', P, 'Afa', units)
  end
end

local function aff_self_excluded() redis.call('HSET', P, 'Asx', '1') end

-- The player's retained days as metrics 4-10 (whole days and the newest day's open fields).
local function aff_totals()
  local t, entries = {}, redis.call('HGETALL', D)
  local function at(d) return aff_day(t, d) end
  for i = 1, #entries, 2 do
    local f = entries[i]
    local d, pos = string.match(f, '^(%-?%d+):(%d+)$')
    if d then
      local m = AFF_AT[tonumber(pos)]
      if m then local v = at(d); v[m] = v[m] + tonumber(entries[i + 1]) end
    else
      local n, v = day_numbers(entries[i + 1]), nil
      for pos2, m in pairs(AFF_AT) do
        if n[pos2] ~= 0 then v = v or at(f); v[m] = v[m] + n[pos2] end
      end
    end
  end
  return t
end

-- Called after the run's writes are sent; run is the run's ordinal in the call.
local function aff_flush(run)
  local st = redis.call('HMGET', P, 'aff', 'A', 'Ar', 'Af', 'Ax', 'reg', 'fd', 'Afa', 'Asx', 'Aq', 'Ao', 'btg')
  local cur, old = st[1] or '', st[2] or ''
  local regd = st[6] and fmt(floor(tonumber(st[6]) / AFF_DAY_MS)) or ''
  local ftd = st[7] and (fmt(floor(tonumber(st[7]) / AFF_DAY_MS)) .. ' ' .. (st[8] or '0')) or ''
  local sx = (st[9] == '1' and regd ~= '') and '1' or ''
  local cr, cf, cx = st[3] or '', st[4] or '', st[5] or ''
  local out = {}
  local function emit(aff, d, m, x)
    if aff == '' or x == 0 then return end
    local a = out[aff]
    if not a then a = {}; out[aff] = a end
    local v = aff_day(a, d)
    v[m] = v[m] + x
  end
  local function fixed(aff, sign, r, f, x)
    if r ~= '' then emit(aff, r, 1, sign) end
    if f ~= '' then
      local fd, fa = string.match(f, '^(%-?%d+) (%d+)$')
      emit(aff, fd, 2, sign)
      emit(aff, fd, 3, sign * tonumber(fa))
    end
    if x ~= '' and r ~= '' then emit(aff, r, 11, sign) end
  end
  local function days(aff, sign, t)
    for d, v in pairs(t) do
      for m = 4, 10 do emit(aff, d, m, sign * v[m]) end
    end
  end
  if old == cur then
    if cr ~= regd or cf ~= ftd or cx ~= sx then
      fixed(cur, -1, cr, cf, cx)
      fixed(cur, 1, regd, ftd, sx)
    end
    days(cur, 1, ainc)
  else
    local t = aff_totals()
    fixed(old, -1, cr, cf, cx)
    days(old, -1, t)
    days(old, 1, ainc)
    fixed(cur, 1, regd, ftd, sx)
    days(cur, 1, t)
  end
  for d in pairs(ainc) do ainc[d] = nil end
  local function keep(field, value, was)
    if value == was then return end
    if value == '' then redis.call('HDEL', P, field) else redis.call('HSET', P, field, value) end
  end
  keep('A', cur, old); keep('Ar', regd, cr); keep('Af', ftd, cf); keep('Ax', sx, cx)
  local lines, seq = {}, tonumber(st[10] or '0') + 1
  for aff, a in pairs(out) do
    for d, v in pairs(a) do
      local any = false
      for m = 1, AFF_M do
        if v[m] ~= 0 then any = true end
        v[m] = fmt(v[m])
      end
      if any then lines[#lines + 1] = fmt(seq) .. '\t' .. aff .. '\t' .. (st[12] or '') .. '\t' .. d .. '\t' .. table.concat(v, ' ') .. '\n' end
    end
  end
  if #lines > 0 then
    redis.call('HSET', P, 'Ao', (st[11] or '') .. table.concat(lines), 'Aq', fmt(seq))
    apend[#apend + 1] = run
  elseif st[11] and st[11] ~= '' then
    apend[#apend + 1] = run
  end
end

-- The reply: one outcome per event, then the ordinals of the runs whose player has an outbox to move.
local function aff_reply(out)
  for _, r in ipairs(apend) do out[#out + 1] = r + 1000000000 end
  return out
end
-- <<< affiliate days ------------------------------------------------------------------------------------------------

-- Adds to position pos of day d (text): an open field on the newest day, the day's numbers on an earlier one, and
-- only the lifetime counter for a day already past the retention (a rollback of a transaction that old).
local function add_day(d, pos, delta)
  aff_add(d, pos, delta)
  if d == pv[MD] then
    add(dinc, D, d .. ':' .. pos, delta)
  elseif tonumber(d) <= mdn - retention then
    life_add(pos, delta)
  else
    local v = late_day(d)
    v[pos] = v[pos] + delta
    life_add(pos, delta)
  end
end

-- Adds a payment method (its bit) to day d's set (text) and to the lifetime set ('mm'); a set only grows, so it is
-- the same whatever order the payments arrive in.
local function add_method(d, bit)
  local cur = tonumber(redis.call('HGET', P, 'mm') or '0')
  local n = bor(cur, bit)
  if n ~= cur then redis.call('HSET', P, 'mm', fmt(n)) end
  if d == pv[MD] then
    local field = d .. ':' .. MASK
    cur = mheld[field] or tonumber(redis.call('HGET', D, field) or '0')
    n = bor(cur, bit)
    if n ~= cur then mheld[field] = n end
  elseif tonumber(d) > mdn - retention then
    local v = late_day(d)
    v[MASK] = bor(v[MASK], bit)
  end
end

-- Folds the newest day's open fields (stored and held) into its twelve numbers and the lifetime counters.
local function fold_newest()
  local d = pv[MD]
  local f = { d }
  for i = 1, NB do f[i + 1] = d .. ':' .. i end
  local got = redis.call('HMGET', D, unpack(f))
  local v, changed, open = day_numbers(got[1]), false, {}
  for i = 1, NB do
    local field = f[i + 1]
    local stored = got[i + 1] and tonumber(got[i + 1]) or 0
    if got[i + 1] then open[#open + 1] = field end
    if i == MASK then
      local n = bor(stored, mheld[field] or 0)
      mheld[field] = nil
      if n ~= 0 then changed = true; v[MASK] = bor(v[MASK], n) end
    else
      local n = stored + (dinc[field] or 0)
      dinc[field] = nil
      if n ~= 0 then
        changed = true
        if i == ACT then v[ACT] = 1 else v[i] = v[i] + n; life_add(i, n) end
      end
    end
  end
  if #open > 0 then redis.call('HDEL', D, unpack(open)) end
  if changed then
    local text = day_text(v)
    if text then redis.call('HSET', D, d, text) elseif got[1] then redis.call('HDEL', D, d) end
  end
end

-- Varints: seven bits a byte, least significant first, the high bit set on all but the last.
local function venc(n)
  local s = ''
  while n >= 128 do
    s = s .. char(n % 128 + 128)
    n = floor(n / 128)
  end
  return s .. char(n)
end

local function vdec(s, i)
  local n, m = 0, 1
  while true do
    local c = byte(s, i)
    i = i + 1
    if c < 128 then return n + c * m, i end
    n = n + (c - 128) * m
    m = m * 128
  end
end

local function amount_of(code)
  if code % 2 == 0 then return floor(code / 2) * 100 end
  return floor(code / 2)
end

-- Record kinds.
local E, R, C, BET, WIN, DEP, WD = 0, 1, 2, 3, 4, 5, 6

-- The current event's bucket (field and value), found by its fingerprint.
local bf, bv

local function read_bucket(f)
  local v = lv[f]
  if v == nil then
    v = redis.call('HGET', L, f) or ''
    lv[f] = v
  end
  return v
end

-- Position of the record with the current fingerprint in the current bucket, or nil. A match of the fingerprint's
-- bytes elsewhere than at a record's start (inside another record) does not count: the walk over the records'
-- lengths says where records start.
local function lookup()
  bf = fmt(floor((byte(fp, 1) * 256 + byte(fp, 2)) / scale))
  bv = read_bucket(bf)
  local from = 1
  while true do
    local p = find(bv, fp, from, true)
    if not p then return nil end
    local i = 1
    while i < p do i = i + 10 + byte(bv, i + 7) end
    if i == p then return p end
    from = p + 1
  end
end

local function record(kind, d, payload)
  local t = kind * 4096 + d % 4096
  return fp .. char(#payload, floor(t / 256), t % 256) .. payload
end

-- Replaces the record at p in the current bucket (p nil: appends one).
local function put(p, rec)
  if p then
    bv = sub(bv, 1, p - 1) .. rec .. sub(bv, p + 10 + byte(bv, p + 7))
  else
    bv = bv .. rec
    records = records + 1
  end
  lv[bf] = bv
  ldirty[bf] = true
end

local function rec_kind(p) return floor(byte(bv, p + 8) / 16) end

-- A record's day, from the day mod 4096 it holds: records never outlive the retention (at most 3,660 days) by more
-- than PRUNE_EVERY days, so the day is the one at most 4,095 days before the newest.
local function day_from(t1, t2) return mdn - ((mdn - ((t1 % 16) * 256 + t2)) % 4096) end

local function rec_day(p) return day_from(byte(bv, p + 8, p + 9)) end

local function rec_payload(p) return sub(bv, p + 10, p + 9 + byte(bv, p + 7)) end

-- Sends the changed buckets and the game list, and forgets the held ones (a resize or pruning rereads them).
local function ledger_flush()
  local args, n, gone = {}, 0, {}
  for f, v in pairs(lv) do
    if ldirty[f] then
      if v == '' then gone[#gone + 1] = f else args[n + 1], args[n + 2] = f, v; n = n + 2 end
      ldirty[f] = nil
    end
    lv[f] = nil
  end
  if n > 0 then hset_pairs(L, args, n) end
  if #gone > 0 then hdel_all(L, gone) end
  if gdirty then
    redis.call('HSET', L, 'g', glist)
    gdirty = false
  end
end

-- Visits every record of every stored bucket: visit(record, fingerprint's first two bytes, t1, t2) returns the
-- record to keep (or nil to drop it) and the field it belongs to; the buckets are rewritten when anything moved.
local function rewrite(visit)
  ledger_flush()
  local entries = redis.call('HGETALL', L)
  local old, parts, moved = {}, {}, false
  for i = 1, #entries, 2 do
    local f, v = entries[i], entries[i + 1]
    if f ~= 'g' then
      old[#old + 1] = f
      local j = 1
      while j <= #v do
        local size = 10 + byte(v, j + 7)
        local rec = sub(v, j, j + size - 1)
        local keep, to = visit(rec, byte(v, j), byte(v, j + 1), byte(v, j + 8), byte(v, j + 9))
        if keep then
          local t = parts[to]
          if not t then t = {}; parts[to] = t end
          t[#t + 1] = keep
        end
        if not keep or to ~= f then moved = true end
        j = j + size
      end
    end
  end
  if not moved then return end
  hdel_all(L, old)
  local args, n = {}, 0
  for f, t in pairs(parts) do
    args[n + 1], args[n + 2] = f, table.concat(t)
    n = n + 2
  end
  if n > 0 then hset_pairs(L, args, n) end
end

-- Doubles the buckets until they average at most CAP records.
local function grow()
  local k = level
  while records > CAP * 2 ^ k and k < 16 do k = k + 1 end
  if k == level then return end
  local sc = 2 ^ (16 - k)
  rewrite(function(rec, b1, b2) return rec, fmt(floor((b1 * 256 + b2) / sc)) end)
  level, scale = k, sc
  pset(LK, fmt(k))
end

-- Drops what lies past the retention: day buckets (their open fields go to the lifetime counters; earlier days'
-- open fields, left by a version before this one, are folded into their days) and ledger records.
local function prune()
  send_late()
  local limit = mdn - retention
  local entries = redis.call('HGETALL', D)
  local dead, whole, adds = {}, {}, {}
  for i = 1, #entries, 2 do
    local f = entries[i]
    local d, pos = string.match(f, '^(%-?%d+):(%d+)$')
    local dn = tonumber(d or f)
    if dn <= limit then
      dead[#dead + 1] = f
      if d then life_add(tonumber(pos), tonumber(entries[i + 1])) end
    elseif not d then
      whole[f] = entries[i + 1]
    elseif dn < mdn then
      dead[#dead + 1] = f
      local sum = adds[d]
      if not sum then sum = {}; adds[d] = sum end
      pos = tonumber(pos)
      sum[pos] = (sum[pos] or 0) + tonumber(entries[i + 1])
    end
  end
  hdel_all(D, dead)
  for d, sum in pairs(adds) do
    local v = day_numbers(whole[d])
    for pos, delta in pairs(sum) do
      if pos == ACT then
        if delta > 0 then v[ACT] = 1 end
      elseif pos == MASK then
        v[MASK] = bor(v[MASK], delta)
      elseif pos <= NB then
        v[pos] = v[pos] + delta
        life_add(pos, delta)
      end
    end
    local text = day_text(v)
    if text then redis.call('HSET', D, d, text) elseif whole[d] then redis.call('HDEL', D, d) end
  end
  local dropped = 0
  rewrite(function(rec, b1, b2, t1, t2)
    if day_from(t1, t2) <= limit then
      dropped = dropped + 1
      return nil
    end
    return rec, fmt(floor((b1 * 256 + b2) / scale))
  end)
  records = records - dropped
  pset(LP, fmt(mdn))
end

-- The retention and housekeeping for counted events, given the profile's 'md' (newest activity day seen).
-- False: the event's day is past the retention.
local function advance()
  -- Nearly every event falls on the player's newest day: nothing to decide then.
  if pv[MD] == ds then
    on_newest = true
    day = mdn
    return true
  end
  day = tonumber(ds)
  if not mdn then
    mdn, on_newest = day, true
    pset(MD, ds)
    pset(LP, ds)
    return true
  end
  if day <= mdn - retention then return false end
  on_newest = day > mdn
  if on_newest then
    fold_newest()
    mdn = day
    pset(MD, ds)
    if not pv[LP] or day - tonumber(pv[LP]) >= PRUNE_EVERY then prune() end
  end
  return true
end

-- Marks the event's day active; counts it in 'ad' the first time.
local function mark_active()
  if on_newest then
    if pv[AY] == ds then return end
    local whole = redis.call('HGET', D, ds)
    if not (whole and day_numbers(whole)[ACT] == 1) and redis.call('HSETNX', D, ds .. ':12', '1') == 1 then
      adinc = adinc + 1
    end
    pset(AY, ds)
    return
  end
  local v = late_day(ds)
  if v[ACT] == 1 then return end
  -- A version before this one may have marked the day with an open field.
  if redis.call('HGET', D, ds .. ':12') ~= '1' then adinc = adinc + 1 end
  v[ACT] = 1
end

-- The game list, read once per run.
local function games()
  if not glist then glist = redis.call('HGET', L, 'g') or '\n' end
  return glist
end

-- A game's index as a varint, assigning the next one when asked; nil when it has none.
local function game_index(game, assign)
  local v = gidx[game]
  if v then return v end
  local list = games()
  local p = find(list, '\n' .. game .. '\t', 1, true)
  local n
  if p then
    n = tonumber(string.match(list, '^%d+', p + #game + 2))
  else
    if not assign then return nil end
    local _, count = string.gsub(list, '\t', '\t')
    n = count + 1
    glist = list .. game .. '\t' .. fmt(n) .. '\n'
    gdirty = true
  end
  v = venc(n)
  gidx[game] = v
  return v
end

local function game_name(n)
  return string.match(games(), '\n([^\n\t]*)\t' .. fmt(n) .. '\n')
end

-- Records the current event as seen; true when it already was.
local function seen_event(d)
  if lookup() then return true end
  put(nil, record(E, d, ''))
  return false
end

-- Turns the record at p into a cancelled transaction, remembered as long as the later of the two days.
local function cancel(p, d)
  put(p, record(C, math.max(d, rec_day(p)), ''))
end

-- ==== BEGIN harm markers (safer gambling; read by Intelligence/SaferGambling/HarmTrail.cs) ====
-- Three profile fields keep what the day buckets cannot: when in the day a player plays and deposits, and how their
-- deposit limits moved. Each is a function of the set of events, like everything else here:
--   'hz'  "day:mask:secs ..." for the newest HZ_DAYS days: mask ORs bit h for every UTC hour h with a bet attempt or a
--         game session running; secs sums game-session seconds on the session's starting day.
--   'hq'  times (unix ms) of approved deposits, each counted once when its approved state first arrives, at that
--         state's time; the newest HQ_KEEP, ascending.
--   'hl'  deposit-limit changes "time:amount|period" (a 'lifted' is "time:lifted"), the newest HL_KEEP, ascending.
-- Like the activity times, they record attempts: a bet rolled back still marks its hour, a deposit rolled back keeps
-- its time (one exception to order: an approval arriving after its payment was rolled back is not seen).
local HZ_DAYS, HQ_KEEP, HL_KEEP = 120, 64, 32
local hz, hz_dirty = false, false

local function hz_load()
  if not hz then
    hz = {}
    local s = redis.call('HGET', P, 'hz')
    if s then
      for d, m, sec in string.gmatch(s, '(%-?%d+):(%d+):(%d+)') do hz[tonumber(d)] = { tonumber(m), tonumber(sec) } end
    end
  end
  return hz
end

local function hz_entry(d)
  local t = hz_load()
  local e = t[d]
  if not e then
    e = { 0, 0 }
    t[d] = e
  end
  return e
end

-- Marks the UTC hour of unix time ms t.
local function harm_hour(t)
  local hours = floor(t / 3600000)
  local e = hz_entry(floor(hours / 24))
  local bit = 2 ^ (hours % 24)
  if floor(e[1] / bit) % 2 == 0 then
    e[1] = e[1] + bit
    hz_dirty = true
  end
end

local function harm_session(started, ended)
  local e = hz_entry(tonumber(ds))
  e[2] = e[2] + floor((ended - started) / 1000)
  hz_dirty = true
  -- Every hour the session ran in, up to a day of them.
  local h = floor(started / 3600000)
  for i = h, math.min(floor(ended / 3600000), h + 23) do harm_hour(i * 3600000) end
end

-- Inserts item (text starting with its time) into the sorted list field, keeping the newest keep items.
local function harm_list_add(field, item, keep)
  local items = {}
  local s = redis.call('HGET', P, field)
  if s then
    for x in string.gmatch(s, '%S+') do items[#items + 1] = x end
  end
  items[#items + 1] = item
  local function key(x) return tonumber(string.match(x, '^%d+')) end
  table.sort(items, function(x, y)
    local kx, ky = key(x), key(y)
    if kx ~= ky then return kx < ky end
    return x < y
  end)
  local from = math.max(1, #items - keep + 1)
  redis.call('HSET', P, field, table.concat(items, ' ', from, #items))
end

local function harm_deposit_approved()
  harm_list_add('hq', tss, HQ_KEEP)
end

local function harm_limit(kind, amount, period)
  if kind == 'deposit_limit' then
    harm_list_add('hl', tss .. ':' .. amount .. '|' .. period, HL_KEEP)
  elseif kind == 'lifted' then
    harm_list_add('hl', tss .. ':lifted', HL_KEEP)
  end
end

local function harm_flush()
  if hz_dirty then
    local days, newest = {}, nil
    for d, e in pairs(hz) do
      if e[1] ~= 0 or e[2] ~= 0 then
        days[#days + 1] = d
        if not newest or d > newest then newest = d end
      end
    end
    table.sort(days)
    local t = {}
    for _, d in ipairs(days) do
      if d > newest - HZ_DAYS then t[#t + 1] = fmt(d) .. ':' .. fmt(hz[d][1]) .. ':' .. fmt(hz[d][2]) end
    end
    redis.call('HSET', P, 'hz', table.concat(t, ' '))
  end
  hz, hz_dirty = false, false
end
-- ==== END harm markers ====

local ops = {}

function ops.reg()
  local fresh = not seen_event(tonumber(ds))
  hmin(P, 'reg', ts, tss)
  lww('cty', ARGV[a + 5]); lww('cur', ARGV[a + 6]); lww('mkt', ARGV[a + 7]); lww('by', ARGV[a + 8])
  lww('chn', ARGV[a + 9]); lww('aff', ARGV[a + 10]); lww('cmp', ARGV[a + 11]); lww('btg', ARGV[a + 12]); lww('clk', ARGV[a + 13])
  return fresh and 1 or 0
end

function ops.upd()
  local fresh = not seen_event(tonumber(ds))
  lww('cty', ARGV[a + 5]); lww('mkt', ARGV[a + 6]); lww('kyc', ARGV[a + 7], KYC_RANK); lww('vip', ARGV[a + 8])
  return fresh and 1 or 0
end

-- A verification verdict (player.kyc, player.aml, player.geo): the status by time (ties to the stricter), and its
-- details ('<rank><status>|…', so a tie between two verdicts keeps the details of the one that won) the same way.
local function verdict(field, rank)
  return function()
    local fresh = not seen_event(tonumber(ds))
    local status, details = ARGV[a + 5], ARGV[a + 6]
    lww(field, status, rank)
    lww(field .. 'x', fmt(rank[status]) .. status .. '|' .. details)
    return fresh and 1 or 0
  end
end

ops.kyc = verdict('kyc', KYC_RANK)
ops.aml = verdict('aml', AML_RANK)
ops.geo = verdict('geo', GEO_RANK)

function ops.consent()
  local fresh = not seen_event(tonumber(ds))
  lww('c:' .. ARGV[a + 5], ARGV[a + 6])
  return fresh and 1 or 0
end

function ops.rg()
  local fresh = not seen_event(tonumber(ds))
  local kind, untilv, amount, period = ARGV[a + 5], ARGV[a + 6], ARGV[a + 7], ARGV[a + 8]
  if kind == 'self_exclusion' then lww('se', untilv == '' and 'inf' or untilv); aff_self_excluded()
  elseif kind == 'cooling_off' then lww('co', untilv)
  elseif kind == 'block' then lww('bl', untilv == '' and 'inf' or untilv)
  elseif kind == 'deposit_limit' then lww('dl', amount .. '|' .. period)
  elseif kind == 'lifted' then hmax(P, 'lf', ts, tss)
  end
  if fresh then harm_limit(kind, amount, period) end -- harm
  return fresh and 1 or 0
end

function ops.login()
  if not advance() then return -1 end
  if seen_event(day) then return 0 end
  add_day(ds, 11, 1)
  mark_active()
  lww('dev', ARGV[a + 5])
  pmax(LA)
  return 1
end

function ops.sess()
  if not advance() then return -1 end
  if seen_event(day) then return 0 end
  local game, ended = ARGV[a + 5], ARGV[a + 7]
  add_day(ds, 10, 1)
  mark_active()
  harm_session(tonumber(ARGV[a + 6]), tonumber(ended)) -- harm
  game_time(game .. ':t', tonumber(ended), ended)
  lww('dev', ARGV[a + 8])
  pmax(LA)
  return 1
end

function ops.bonus()
  if not advance() then return -1 end
  if seen_event(day) then return 0 end
  add_day(ds, 9, tonumber(ARGV[a + 5]))
  return 1
end

-- Outcome of a transaction already in the ledger: exact resend (0), or the same id with other content (3).
local function resent(p, kind, payload)
  local k = rec_kind(p)
  if k == C or (k == kind and rec_day(p) == day and rec_payload(p) == payload) then return 0 end
  return 3
end

function ops.bet()
  if not advance() then return -1 end
  local units, bonus, game, enc = ARGV[a + 5], ARGV[a + 6], ARGV[a + 7], ARGV[a + 8]
  local la = pv[LA]
  -- Activity times record the attempt, so they do not depend on whether the rollback came first.
  pmax(LB); pmax(LA)
  harm_hour(ts) -- harm
  -- Every game time is at most 'la', so a bet at or after 'la' is its game's newest play: no read needed.
  local gt = game .. ':t'
  if not la or not after_event(la) then gtime[gt] = tss else game_time(gt, ts, tss) end
  local p = lookup()
  if p then
    if rec_kind(p) == R then
      cancel(p, day)
      mark_active()
      return 1
    end
    return resent(p, BET, enc .. (game_index(game, false) or ''))
  end
  local n = tonumber(units)
  add(ginc, G, game .. ':n', 1)
  add(ginc, G, game .. ':s', n)
  add_day(ds, 5, 1)
  add_day(ds, 6, n)
  if bonus ~= '0' then add_day(ds, 8, tonumber(bonus)) end
  mark_active()
  put(nil, record(BET, day, enc .. game_index(game, true)))
  return 1
end

function ops.win()
  if not advance() then return -1 end
  local units, enc = ARGV[a + 5], ARGV[a + 6]
  local p = lookup()
  if p then
    if rec_kind(p) == R then
      cancel(p, day)
      return 1
    end
    return resent(p, WIN, enc)
  end
  if units ~= '0' then add_day(ds, 7, tonumber(units)) end
  put(nil, record(WIN, day, enc))
  return 1
end

-- Payment statuses by rank (contract 1b): a payment's money follows its highest-ranked state.
local STATUS = { 'pending', 'rejected', 'cancelled', 'approved', 'chargeback', 'reversed', 'refunded' }
local RANK = { pending = 1, rejected = 2, cancelled = 2, approved = 3, chargeback = 4, reversed = 4, refunded = 4 }
local BIT = { pending = 1, rejected = 2, cancelled = 4, approved = 8, chargeback = 16, reversed = 32, refunded = 64 }

local function has(bits, status) return floor(bits / BIT[status]) % 2 == 1 end

-- The highest-ranked status among the bits (the first of equals in STATUS order).
local function top(bits)
  local best
  for _, s in ipairs(STATUS) do
    if has(bits, s) and (not best or RANK[s] > RANK[best]) then best = s end
  end
  return best
end

-- Day positions a payment's top state counts at: deposits, declines (by reason, 13-18), chargebacks, reversals and
-- refunds of deposits; withdrawals and their reversals. Pending and cancelled payments count nowhere.
local DEP_AT = { approved = 1, chargeback = 19, reversed = 21, refunded = 25 }
local WD_AT = { approved = 3, reversed = 23 }

-- Adds (sign 1) or removes (sign -1) what a payment in state status counts on day d (text).
local function contribute(kind, status, d, units, reason, sign)
  if kind == DEP and status == 'rejected' then
    if reason >= 1 and reason <= 6 then add_day(d, 12 + reason, sign) end
    return
  end
  local at = (kind == DEP and DEP_AT or WD_AT)[status]
  if at then
    add_day(d, at, sign)
    add_day(d, at + 1, sign * units)
  end
end

-- The amount and the decline reason (0: none) of a payment's content: varint(amount code) [reason byte] from i.
local function content(s, i)
  local code, j = vdec(s, i)
  return amount_of(code), byte(s, j) or 0
end

-- The earliest approved deposit's method ('fm'): earliest wins, equal times go to the greater value (as lww does
-- for the latest), so any order gives one answer.
local function first_method(value)
  local stamp = redis.call('HGET', P, '@fm')
  if stamp then
    stamp = tonumber(stamp)
    if ts > stamp then return end
    if ts == stamp then
      local cur = redis.call('HGET', P, 'fm')
      if cur and cur >= value then return end
    end
  end
  redis.call('HSET', P, 'fm', value, '@fm', tss)
end

-- Payment methods as the parser numbers them (contract 1b's order), and their bits in a set.
local METHODS = { 'card', 'e_wallet', 'bank_transfer', 'open_banking', 'crypto', 'voucher', 'mobile', 'other' }
local MBIT = { 1, 2, 4, 8, 16, 32, 64, 128 }

-- One payment is one transactionId moving through states; each (transaction, state) counts once, and the payment
-- counts where its top-ranked state says (DEP_AT, WD_AT, declines by reason) with that state's amount and day. A
-- state that becomes the top takes back what the previous top counted and counts its own.
local function payment()
  local kind = op == 'wd' and WD or DEP
  if not advance() then return -1 end
  local units, status, enc, method = ARGV[a + 5], ARGV[a + 6], ARGV[a + 7], ARGV[a + 8]
  local approved = status == 'approved'
  -- Times, the active day and the methods record every approved attempt, so they are the same whatever came first.
  if approved then
    if kind == DEP then
      aff_deposit(units)
      pmin(FD); pmax(LD)
      if method ~= '' then first_method(METHODS[tonumber(method)]); lww('lm', METHODS[tonumber(method)]) end
    end
    if method ~= '' then add_method(ds, MBIT[tonumber(method)]) end
    pmax(LA)
    mark_active()
  end
  local p = lookup()
  if not p then
    if approved and kind == DEP then harm_deposit_approved() end -- harm
    local n, reason = content(enc, 1)
    contribute(kind, status, ds, n, reason, 1)
    put(nil, record(kind, day, char(BIT[status]) .. enc))
    return 1
  end
  local k = rec_kind(p)
  if k == R then
    -- The rollback came first: remember the transaction as cancelled; nothing is counted.
    if approved and kind == DEP then harm_deposit_approved() end -- harm
    cancel(p, day)
    return 1
  end
  if k ~= kind then return k == C and 0 or 3 end
  local payload = rec_payload(p)
  local bits, pday = byte(payload, 1), rec_day(p)
  local was = top(bits)
  if has(bits, status) then
    -- This state was seen: only the top state's content is kept to compare with.
    if was ~= status or (pday == day and sub(payload, 2) == enc) then return 0 end
    -- A decline recorded before declines were counted (no reason after its amount), resent: it counts now.
    local old_units, old_reason = content(payload, 2)
    local n, reason = content(enc, 1)
    if status == 'rejected' and kind == DEP and pday == day and old_reason == 0 and reason > 0 and sub(payload, 2) .. char(reason) == enc then
      contribute(kind, status, ds, n, reason, 1)
      put(p, record(kind, pday, char(bits) .. enc))
      return 0
    end
    return 3
  end
  bits = bits + BIT[status]
  if approved and kind == DEP then harm_deposit_approved() end -- harm
  if top(bits) ~= status then
    put(p, record(kind, pday, char(bits) .. sub(payload, 2)))
    return 2
  end
  local old_units, old_reason = content(payload, 2)
  contribute(kind, was, fmt(pday), old_units, old_reason, -1)
  local n, reason = content(enc, 1)
  contribute(kind, status, ds, n, reason, 1)
  put(p, record(kind, day, char(bits) .. enc))
  return 1
end

ops.dep = payment
ops.wd = payment

function ops.rb()
  if not advance() then return -1 end
  local p = lookup()
  if not p then
    put(nil, record(R, day, ''))
    return 1
  end
  local k = rec_kind(p)
  if k == R or k == C or k == E then return 0 end
  local payload, pday = rec_payload(p), rec_day(p)
  local d = fmt(pday)
  if k == BET then
    local code, i = vdec(payload, 1)
    local units, bonus = amount_of(floor(code / 2)), 0
    if code % 2 == 1 then
      local b
      b, i = vdec(payload, i)
      bonus = amount_of(b)
    end
    local game = game_name((vdec(payload, i)))
    if game then
      add(ginc, G, game .. ':n', -1)
      add(ginc, G, game .. ':s', -units)
    end
    add_day(d, 5, -1)
    add_day(d, 6, -units)
    if bonus ~= 0 then add_day(d, 8, -bonus) end
  elseif k == WIN then
    local units = amount_of((vdec(payload, 1)))
    if units ~= 0 then add_day(d, 7, -units) end
  else
    local units, reason = content(payload, 2)
    contribute(k, top(byte(payload, 1)), d, units, reason, -1)
  end
  cancel(p, day)
  return 1
end

-- A record carried over from the ledger of a version before this one (LedgerUpgrade): kept unless one is there.
function ops.mig()
  local kind, payload, game = tonumber(ARGV[a + 5]), ARGV[a + 6], ARGV[a + 7]
  if lookup() then return 0 end
  if game ~= '' then payload = payload .. game_index(game, true) end
  put(nil, record(kind, tonumber(ds), payload))
  return 1
end

-- Sends every held write of the run.
local function flush()
  ledger_flush()
  grow()
  if records ~= tonumber(pv[LN] or '0') then pset(LN, fmt(records)) end
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
  args, n = {}, 0
  for f, v in pairs(mheld) do
    args[n + 1], args[n + 2] = f, fmt(v)
    n = n + 2
    mheld[f] = nil
  end
  if n > 0 then hset_pairs(D, args, n) end
  send_counters(ginc, G)
  args, n = {}, 0
  for f, v in pairs(gtime) do
    args[n + 1], args[n + 2] = f, v
    n = n + 2
    gtime[f] = nil
  end
  if n > 0 then hset_pairs(G, args, n) end
  send_late()
  for pos, delta in pairs(life) do
    if delta ~= 0 then redis.call('HINCRBY', P, LIFETIME[pos], fmt(delta)) end
    life[pos] = nil
  end
  if adinc > 0 then redis.call('HINCRBY', P, 'ad', fmt(adinc)) end
  adinc = 0
  glist = false
  for g in pairs(gidx) do gidx[g] = nil end
  harm_flush() -- harm
end

-- Arguments of each op after the four every event has (see EventParser.cs): records have no length of their own.
local ARITY = { reg = 9, upd = 4, kyc = 2, aml = 2, geo = 2, login = 1, consent = 2, rg = 4, dep = 4, wd = 4, bet = 4, win = 2, rb = 0, bonus = 1, sess = 4, mig = 3 }

-- ARGV: 1 bucket retention (days), then one run per player, in the order of KEYS:
--   m (events in the run), then m records back to back, each the event's arguments: 1 op, 2 fingerprint (7 bytes),
--   3 time (unix ms), 4 day (days since 1970-01-01 UTC), then ARITY[op] op-specific ones.
-- Returns one outcome per event: 1 applied, 0 duplicate, 2 superseded (accepted, no change), 3 conflict (a
-- transaction already counted, resent with other content: not applied), -1 older than the retention, -2 the player
-- was erased (not applied, nothing written).
local out = {}
local o, k = 2, 0
while o <= #ARGV do
  local m = tonumber(ARGV[o])
  o = o + 1
  P, D, G, L = KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4]
  local erased = redis.call('EXISTS', KEYS[k + 5]) == 1
  k = k + 5
  if erased then
    for _ = 1, m do
      local arity = ARITY[ARGV[o]]
      if not arity then return redis.error_reply('unknown op ' .. tostring(ARGV[o])) end
      out[#out + 1] = -2
      o = o + 4 + arity
    end
  else
    pv = redis.call('HMGET', P, unpack(PF))
    mdn = pv[MD] and tonumber(pv[MD]) or nil
    level = tonumber(pv[LK] or '0')
    scale = 2 ^ (16 - level)
    records = tonumber(pv[LN] or '0')
    for _ = 1, m do
      a = o - 1
      op, fp, tss, ds = ARGV[o], ARGV[o + 1], ARGV[o + 2], ARGV[o + 3]
      ts = tonumber(tss)
      local fold, arity = ops[op], ARITY[op]
      if not fold then return redis.error_reply('unknown op ' .. tostring(op)) end
      out[#out + 1] = fold()
      o = o + 4 + arity
    end
    flush()
    aff_flush(k / 5)
  end
end
return aff_reply(out)
