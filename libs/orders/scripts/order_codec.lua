-- The order codec's Lua side (libs/orders/order_codec.h), prepended with the
-- history chain to every script that reads or writes orders. The store puts
-- two tables in front of it, made from their one definition in C++:
--   ORDER_EVENT_FIELDS  hotline.v1.OrderEvent's field names, in field order
--                       (empty in a script that calls no order_event)
--   ORDER_WRITABLE      writer name -> set of record fields it may write
--                       (order_record.h, RecordWriters), only the rows of the
--                       writers the script names as order_writer("name")

-- An order's record and a page of its history in one snapshot:
-- {HGETALL, LRANGE first..first+count-1, LLEN} (count 0: no entries).
local function order_read(order_key, history_key, first, count)
  local page = {}
  if count > 0 then
    page = redis.call("LRANGE", history_key, first, first + count - 1)
  end
  return {redis.call("HGETALL", order_key), page, redis.call("LLEN", history_key)}
end

-- Appends one event (hotline.v1.OrderEvent as a table by field name) to the
-- stream, flattened in field order; a name not in the message is an error.
-- No MAXLEN: the stream is trimmed up to what every consumer group has
-- settled (libs/orders/event_retention.h), never past an event a group
-- still needs.
local function order_event(stream, ev)
  local args = {"XADD", stream, "*"}
  local known = 0
  for _, name in ipairs(ORDER_EVENT_FIELDS) do
    local value = ev[name]
    if value ~= nil then
      args[#args + 1] = name
      args[#args + 1] = tostring(value)
      known = known + 1
    end
  end
  for name in pairs(ev) do
    known = known - 1
  end
  if known ~= 0 then
    error("order_event: a field that hotline.v1.OrderEvent does not have")
  end
  redis.call(unpack(args))
end

-- The writer `name`'s access to order records: set(key, {field, value, ...}),
-- incr(key, field) and unset(key, field) refuse any field not in its
-- ORDER_WRITABLE row.
local function order_writer(name)
  local allowed = ORDER_WRITABLE[name]
  if not allowed then
    error("order_writer: no writer " .. name .. " in this script (a script carries the rows it " ..
          "names as order_writer(\"name\"))")
  end
  local function check(field)
    if not allowed[field] then
      error("order_writer: " .. name .. " may not write field " .. tostring(field))
    end
  end
  return {
    set = function(key, fields)
      for i = 1, #fields, 2 do check(fields[i]) end
      redis.call("HSET", key, unpack(fields))
    end,
    incr = function(key, field)
      check(field)
      redis.call("HINCRBY", key, field, 1)
    end,
    unset = function(key, field)
      check(field)
      redis.call("HDEL", key, field)
    end,
  }
end
