-- Layerkit token buckets for one key, every limit of the policy at once, in one atomic call that
-- decides one or more requests for that key in order (the limiter coalesces concurrent decisions
-- for one key into one call): each request is decided exactly as if it had been a call of its own,
-- made right after the one before it.
-- The arithmetic mirrors dev.layerkit.gateway.ratelimit.internal.BucketArithmetic line for line:
-- credit counted in token-periods, integers that never exceed 2^53 so Lua's doubles are exact,
-- and divisions done with math.fmod, which is exact, instead of a rounded floating quotient.
--
-- KEYS[1]  the key's state: a hash with fields c<i> (credit) and t<i> (last refill, in units)
-- ARGV[1]  r, the number of runs: a run is consecutive requests that ask for the same permits at
--          the same time (with the server's TIME, every request of a call asking for one permit
--          is one run), decided together in O(limits) instead of one by one
-- ARGV[2]  extra permits to take as well, after the requests, if any was allowed and they are
--          available (local batching; 0 when off)
-- ARGV[3]  state TTL in milliseconds: the full-refill time, after which a new state is equal
-- ARGV[4+3(j-1)], ARGV[5+3(j-1)], ARGV[6+3(j-1)]  per run j: its number of requests, the permits
--          each asks for, and now in microseconds or -1 to use the server's TIME
-- ARGV[4+3r+5(i-1)..]  per limit: unit in microseconds, period in units, refill tokens, capacity,
--                      1 for greedy refill or 0 for interval refill
-- Returns {extra permits taken, then per run: how many of its requests (the first ones) are
--          allowed, the remaining tokens before the run and the limit capacity that bounds them
--          (the k-th allowed request leaves remaining - k * permits), then for the run's denied
--          requests, which all see the same state: remaining, limit capacity and retry-after in
--          microseconds}.
--
-- Why a run's requests can be decided together, exactly as one by one: the first request's refill
-- brings every limit up to the run's time, after which the others' refills add nothing (no time
-- passes between them); each request then needs the same credit from every limit, so the allowed
-- ones are a prefix, as many as the scarcest limit covers, each taking the same amount from every
-- limit (so the limit with the fewest tokens stays the same one); and after the first denial
-- nothing changes, so every later request of the run is denied the same way.
if redis.replicate_commands then
  redis.replicate_commands()
end

-- Locals, not globals: a call decides up to a hundred requests, each with a few divisions.
local fmod = math.fmod
local tonumber = tonumber

local function div(a, b)
  return (a - fmod(a, b)) / b
end

local function ceildiv(a, b)
  local r = fmod(a, b)
  local q = (a - r) / b
  if r > 0 then
    q = q + 1
  end
  return q
end

local runs = tonumber(ARGV[1])
local extra = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local limits_at = 3 + 3 * runs

local n = (#ARGV - limits_at) / 5
local fields = {}
for i = 1, n do
  fields[2 * i - 1] = 'c' .. i
  fields[2 * i] = 't' .. i
end
local stored = redis.call('HMGET', KEYS[1], unpack(fields))

local server_micros
local unit, period, refill, capacity, greedy, full, credit, last = {}, {}, {}, {}, {}, {}, {}, {}
for i = 1, n do
  local base = limits_at + 5 * (i - 1)
  unit[i] = tonumber(ARGV[base + 1])
  period[i] = tonumber(ARGV[base + 2])
  refill[i] = tonumber(ARGV[base + 3])
  capacity[i] = tonumber(ARGV[base + 4])
  greedy[i] = ARGV[base + 5] == '1'
  full[i] = capacity[i] * period[i]
  credit[i] = tonumber(stored[2 * i - 1])
  last[i] = tonumber(stored[2 * i])
end

-- The fewest whole tokens over the limits, and the capacity of that limit (the smaller capacity
-- on a tie).
local function fewest()
  local remaining, limit = -1, 0
  for i = 1, n do
    local tokens = div(credit[i], period[i])
    if remaining < 0 or tokens < remaining or (tokens == remaining and capacity[i] < limit) then
      remaining = tokens
      limit = capacity[i]
    end
  end
  return remaining, limit
end

local result = {0}
local results = 1
local any_allowed = false
local now = {}
for j = 1, runs do
  local base = 3 + 3 * (j - 1)
  local count = tonumber(ARGV[base + 1])
  local permits = tonumber(ARGV[base + 2])
  local now_micros = tonumber(ARGV[base + 3])
  if now_micros < 0 then
    if not server_micros then
      local t = redis.call('TIME')
      server_micros = tonumber(t[1]) * 1000000 + tonumber(t[2])
    end
    now_micros = server_micros
  end

  -- The run's first request refills every limit up to now; the others' refills add nothing.
  local allowed = count
  for i = 1, n do
    now[i] = div(now_micros, unit[i])
    if credit[i] == nil then
      credit[i] = full[i]
    end
    if last[i] == nil then
      last[i] = now[i]
    end

    local elapsed = now[i] - last[i]
    if elapsed > 0 then
      local missing = full[i] - credit[i]
      if greedy[i] then
        if elapsed >= ceildiv(missing, refill[i]) then
          credit[i] = full[i]
        else
          credit[i] = credit[i] + elapsed * refill[i]
        end
        last[i] = now[i]
      else
        local periods = div(elapsed, period[i])
        if periods > 0 then
          local missing_tokens = div(missing, period[i])
          if periods >= ceildiv(missing_tokens, refill[i]) then
            credit[i] = credit[i] + missing_tokens * period[i]
          else
            credit[i] = credit[i] + periods * refill[i] * period[i]
          end
          last[i] = last[i] + periods * period[i]
        end
      end
    end

    local covered = div(credit[i], permits * period[i])
    if covered < allowed then
      allowed = covered
    end
  end

  local remaining, limit = fewest()
  if allowed > 0 then
    any_allowed = true
    for i = 1, n do
      credit[i] = credit[i] - allowed * permits * period[i]
    end
  end
  result[results + 1] = allowed
  result[results + 2] = remaining
  result[results + 3] = limit

  -- The denied rest: each sees the state the allowed ones left.
  local denied_remaining, denied_limit, retry = 0, 0, 0
  if allowed < count then
    denied_remaining, denied_limit = fewest()
    local need = permits
    for i = 1, n do
      local need_credit = need * period[i]
      if credit[i] < need_credit then
        local deficit = need_credit - credit[i]
        local wait
        if greedy[i] then
          wait = ceildiv(deficit, refill[i])
        else
          wait = last[i] + ceildiv(ceildiv(deficit, period[i]), refill[i]) * period[i] - now[i]
        end
        if wait * unit[i] > retry then
          retry = wait * unit[i]
        end
      end
    end
  end
  result[results + 4] = denied_remaining
  result[results + 5] = denied_limit
  result[results + 6] = retry
  results = results + 6
end

-- A denial changes nothing that the stored state cannot recompute, so only grants write.
if any_allowed then
  if extra > 0 then
    for i = 1, n do
      local spare = div(credit[i], period[i])
      if spare < extra then
        extra = spare
      end
    end
    for i = 1, n do
      credit[i] = credit[i] - extra * period[i]
    end
    result[1] = extra
  end
  local updates = {}
  for i = 1, n do
    updates[4 * i - 3] = 'c' .. i
    updates[4 * i - 2] = string.format('%.0f', credit[i])
    updates[4 * i - 1] = 't' .. i
    updates[4 * i] = string.format('%.0f', last[i])
  end
  redis.call('HSET', KEYS[1], unpack(updates))
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return result
