-- Layerkit token buckets for one key, every limit of the policy at once, in one atomic call.
-- The arithmetic mirrors dev.layerkit.gateway.ratelimit.internal.BucketArithmetic line for line:
-- credit counted in token-periods, integers that never exceed 2^53 so Lua's doubles are exact,
-- and divisions done with math.fmod, which is exact, instead of a rounded floating quotient.
--
-- KEYS[1]  the key's state: a hash with fields c<i> (credit) and t<i> (last refill, in units)
-- ARGV[1]  permits asked for
-- ARGV[2]  extra permits to take as well if available (local batching; 0 when off)
-- ARGV[3]  now in microseconds, or -1 to use the server's TIME
-- ARGV[4]  state TTL in milliseconds: the full-refill time, after which a new state is equal
-- ARGV[5+5(i-1)..]  per limit: unit in microseconds, period in units, refill tokens, capacity,
--                   1 for greedy refill or 0 for interval refill
-- Returns {allowed (1|0), remaining, limit capacity, retry-after in microseconds, permits taken}.
if redis.replicate_commands then
  redis.replicate_commands()
end

local function div(a, b)
  return (a - math.fmod(a, b)) / b
end

local function ceildiv(a, b)
  local q = div(a, b)
  if math.fmod(a, b) > 0 then
    q = q + 1
  end
  return q
end

local permits = tonumber(ARGV[1])
local extra = tonumber(ARGV[2])
local now_micros = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
if now_micros < 0 then
  local t = redis.call('TIME')
  now_micros = tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local n = (#ARGV - 4) / 5
local fields = {}
for i = 1, n do
  fields[2 * i - 1] = 'c' .. i
  fields[2 * i] = 't' .. i
end
local stored = redis.call('HMGET', KEYS[1], unpack(fields))

local unit, period, refill, capacity, greedy, full, credit, last, now = {}, {}, {}, {}, {}, {}, {}, {}, {}
local allowed = true
local retry = 0
for i = 1, n do
  local base = 4 + 5 * (i - 1)
  unit[i] = tonumber(ARGV[base + 1])
  period[i] = tonumber(ARGV[base + 2])
  refill[i] = tonumber(ARGV[base + 3])
  capacity[i] = tonumber(ARGV[base + 4])
  greedy[i] = ARGV[base + 5] == '1'
  full[i] = capacity[i] * period[i]
  now[i] = div(now_micros, unit[i])
  credit[i] = tonumber(stored[2 * i - 1]) or full[i]
  last[i] = tonumber(stored[2 * i]) or now[i]

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

  local need = permits * period[i]
  if credit[i] < need then
    allowed = false
    local deficit = need - credit[i]
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

local taken = 0
if allowed then
  taken = permits
  if extra > 0 then
    for i = 1, n do
      local spare = div(credit[i] - permits * period[i], period[i])
      if spare < extra then
        extra = spare
      end
    end
    taken = permits + extra
  end
end

local remaining, limit = -1, 0
local updates = {}
for i = 1, n do
  if allowed then
    credit[i] = credit[i] - taken * period[i]
  end
  local tokens = div(credit[i], period[i])
  if remaining < 0 or tokens < remaining or (tokens == remaining and capacity[i] < limit) then
    remaining = tokens
    limit = capacity[i]
  end
  updates[4 * i - 3] = 'c' .. i
  updates[4 * i - 2] = string.format('%.0f', credit[i])
  updates[4 * i - 1] = 't' .. i
  updates[4 * i] = string.format('%.0f', last[i])
end

-- A denial changes nothing that the stored state cannot recompute, so only grants write.
if allowed then
  redis.call('HSET', KEYS[1], unpack(updates))
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return {allowed and 1 or 0, remaining, limit, retry, taken}
