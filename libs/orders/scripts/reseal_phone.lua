-- Seals an order's number again (a version 1 value, not bound to its order,
-- replaced by a version 2 one: crypto/phone_vault.h), only if the sealed
-- value is still the one the caller opened. One atomic step. Loaded with the
-- order codec in front (order_writer, order_codec.h).
--
-- KEYS[1] the order record   ARGV[1] the sealed value read   ARGV[2] the new one
--
-- Returns 1 when replaced, 0 when the order's value changed meanwhile (nothing written).
if redis.call("HGET", KEYS[1], "caller_phone_enc") ~= ARGV[1] then
  return 0
end
order_writer("phone").set(KEYS[1], {"caller_phone_enc", ARGV[2]})
return 1
