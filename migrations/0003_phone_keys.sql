-- The duplicate check's phone key is now a number's canonical digits: an extension, the
-- country code 86 and a domestic trunk 0 removed (crm_server::dedupe::phone_key), so that
-- "(010) 6552-1234" and "+86 10 6552 1234" match. Keys stored before are made again;
-- crm_phone_key is that function, registered by the migration runner.
UPDATE customers SET phone_key = crm_phone_key(phone) WHERE phone IS NOT NULL;
