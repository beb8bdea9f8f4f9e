-- Filtered reads of /_mock/outbox (issue 16): every filter the control API offers has an index
-- that ends in seq, so "newest first, LIMIT n" walks only the matching messages instead of the
-- whole outbox (recipient already has outbox_by_recipient from 0001).
CREATE INDEX outbox_by_member ON outbox (member_id, seq);
CREATE INDEX outbox_by_organization ON outbox (organization_id, seq);
CREATE INDEX outbox_by_kind ON outbox (kind, seq);
CREATE INDEX outbox_by_channel ON outbox (channel, seq);
