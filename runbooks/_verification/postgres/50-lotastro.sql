-- LotAstro WMS (runbooks/lotastro-wms.md): the tables and columns its SQL reads
-- and writes, with the types the application's Supabase schema gives them, and a
-- database caught in the middle of the runbook's incidents:
--
-- * lot LOT-2402 stores 120 reserved meters while its active reservation lines
--   add up to 150 (the drift "Reservation Conflicts" looks for), LOT-2403 still
--   has the line of a released reservation, and LOT-2404 a line whose
--   reservation was deleted behind the foreign key's back (an orphan);
-- * failed emails waiting for a retry, an address locked out by login attempts,
--   OCR results in every state, an API key with a burst of requests.
--
-- Ids are fixed so that the placeholder defaults (placeholders/lotastro-wms.json)
-- name real rows. Times are relative to now(): the queries look at the last
-- minute, hour or day.

CREATE TYPE stock_status AS ENUM ('in_stock', 'out_of_stock', 'partially_fulfilled');
CREATE TYPE reservation_status AS ENUM ('active', 'released', 'converted', 'canceled');
CREATE TYPE stock_take_roll_status AS ENUM (
    'pending_review', 'approved', 'rejected', 'recount_requested', 'void_pending_admin');
CREATE TYPE audit_action_type AS ENUM (
    'CREATE', 'UPDATE', 'DELETE', 'STATUS_CHANGE', 'FULFILL', 'APPROVE', 'REJECT');
CREATE TYPE audit_entity_type AS ENUM (
    'lot', 'roll', 'order', 'order_lot', 'supplier', 'lot_queue', 'order_queue',
    'field_edit_queue', 'profile', 'role_permission', 'incoming_stock',
    'forecast_settings', 'catalog_item');

-- Inventory ------------------------------------------------------------------

CREATE TABLE lots (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    lot_number text NOT NULL UNIQUE,
    quality text NOT NULL,
    color text NOT NULL,
    meters numeric NOT NULL,
    reserved_meters numeric NOT NULL DEFAULT 0,
    roll_count integer NOT NULL DEFAULT 0,
    status stock_status NOT NULL DEFAULT 'in_stock',
    warehouse_location text,
    entry_date date NOT NULL DEFAULT CURRENT_DATE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rolls (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    lot_id uuid NOT NULL REFERENCES lots (id),
    meters numeric NOT NULL,
    position integer NOT NULL,
    status text NOT NULL DEFAULT 'available',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO lots (id, lot_number, quality, color, meters, reserved_meters, roll_count,
                  status, warehouse_location) VALUES
    ('0a000000-0000-4000-8000-000000002401', 'LOT-2401', 'A-800', 'NAVY', 500, 150, 5,
     'in_stock', 'A-01'),
    ('0a000000-0000-4000-8000-000000002402', 'LOT-2402', 'A-800', 'BLACK', 320, 120, 4,
     'in_stock', 'A-02'),
    ('0a000000-0000-4000-8000-000000002403', 'LOT-2403', 'V-120', 'IVORY', 240, 0, 3,
     'in_stock', 'B-07'),
    ('0a000000-0000-4000-8000-000000002404', 'LOT-2404', 'V-120', 'GREY', 180, 0, 2,
     'in_stock', 'B-08'),
    ('0a000000-0000-4000-8000-000000002405', 'LOT-2405', 'S-300', 'RED', 0, 0, 0,
     'out_of_stock', NULL);

INSERT INTO rolls (lot_id, meters, position)
SELECT lots.id, lots.meters / lots.roll_count, n
FROM lots, generate_series(1, lots.roll_count) AS n
WHERE lots.roll_count > 0;

-- Orders and reservations ----------------------------------------------------

CREATE TABLE orders (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_number text NOT NULL UNIQUE,
    customer_name text NOT NULL,
    created_by uuid NOT NULL,
    status text,
    fulfilled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO orders (order_number, customer_name, created_by, status, created_at) VALUES
    ('ORD-0001', 'Kumtel Tekstil', '0b000000-0000-4000-8000-000000000001', 'pending',
     now() - interval '2 hours'),
    ('ORD-0002', 'Kumtel Tekstil', '0b000000-0000-4000-8000-000000000001', 'pending',
     now() - interval '3 hours'),
    ('ORD-0003', 'Ege Konfeksiyon', '0b000000-0000-4000-8000-000000000002', 'fulfilled',
     now() - interval '20 hours'),
    ('ORD-0004', 'Ege Konfeksiyon', '0b000000-0000-4000-8000-000000000002', 'fulfilled',
     now() - interval '3 days');

CREATE TABLE reservations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    reservation_number text NOT NULL UNIQUE,
    customer_name text NOT NULL,
    status reservation_status NOT NULL DEFAULT 'active',
    reserved_date date NOT NULL DEFAULT CURRENT_DATE,
    hold_until date,
    release_reason text,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE reservation_lines (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    reservation_id uuid NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
    lot_id uuid REFERENCES lots (id),
    quality text NOT NULL,
    color text NOT NULL,
    reserved_meters numeric NOT NULL,
    scope text NOT NULL DEFAULT 'stock',
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO reservations (id, reservation_number, customer_name, status, release_reason,
                          created_by) VALUES
    ('0c000000-0000-4000-8000-000000000001', 'RES-A1B2C3', 'Kumtel Tekstil', 'active',
     NULL, '0b000000-0000-4000-8000-000000000001'),
    ('0c000000-0000-4000-8000-000000000002', 'RES-D4E5F6', 'Ege Konfeksiyon', 'active',
     NULL, '0b000000-0000-4000-8000-000000000002'),
    ('0c000000-0000-4000-8000-000000000003', 'RES-0A9B8C', 'Ege Konfeksiyon', 'released',
     'hold expired', '0b000000-0000-4000-8000-000000000002');

INSERT INTO reservation_lines (reservation_id, lot_id, quality, color, reserved_meters) VALUES
    -- LOT-2401: 100 + 50 = 150, as stored.
    ('0c000000-0000-4000-8000-000000000001', '0a000000-0000-4000-8000-000000002401',
     'A-800', 'NAVY', 100),
    ('0c000000-0000-4000-8000-000000000002', '0a000000-0000-4000-8000-000000002401',
     'A-800', 'NAVY', 50),
    -- LOT-2402: 150 reserved, 120 stored.
    ('0c000000-0000-4000-8000-000000000001', '0a000000-0000-4000-8000-000000002402',
     'A-800', 'BLACK', 150),
    -- LOT-2403: the released reservation keeps its line; nothing is reserved.
    ('0c000000-0000-4000-8000-000000000003', '0a000000-0000-4000-8000-000000002403',
     'V-120', 'IVORY', 60);

-- An orphan: its reservation was deleted with the foreign key's trigger off (as a
-- restore with session_replication_role = replica does).
SET session_replication_role = replica;
INSERT INTO reservation_lines (reservation_id, lot_id, quality, color, reserved_meters) VALUES
    ('0c000000-0000-4000-8000-0000000000ff', '0a000000-0000-4000-8000-000000002404',
     'V-120', 'GREY', 40);
SET session_replication_role = DEFAULT;

-- Email ----------------------------------------------------------------------

CREATE TABLE email_log (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    template_key text,
    recipient text NOT NULL,
    subject text NOT NULL,
    status text NOT NULL DEFAULT 'pending',
    error_message text,
    retry_count integer DEFAULT 0,
    next_retry_at timestamptz,
    sent_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO email_log (id, template_key, recipient, subject, status, error_message,
                       retry_count, next_retry_at, sent_at, created_at) VALUES
    ('0e000000-0000-4000-8000-000000000001', 'order_confirmation', 'satis@kumtel.example',
     'Order ORD-0001 received', 'failed',
     'The lotastro.example domain is not verified', 3, NULL, NULL,
     now() - interval '40 minutes'),
    ('0e000000-0000-4000-8000-000000000002', 'reservation_expiring', 'depo@ege.example',
     'Reservation RES-D4E5F6 expires tomorrow', 'failed',
     'Too many requests: rate limit exceeded', 1, now() + interval '5 minutes', NULL,
     now() - interval '2 hours'),
    ('0e000000-0000-4000-8000-000000000003', 'daily_digest', 'ops@lotastro.example',
     'Daily stock digest', 'sent', NULL, 0, NULL, now() - interval '1 day',
     now() - interval '1 day');

-- Stock take -----------------------------------------------------------------

CREATE TABLE count_rolls (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id uuid NOT NULL,
    capture_sequence integer NOT NULL,
    photo_path text NOT NULL,
    counter_quality text NOT NULL,
    counter_color text NOT NULL,
    counter_lot_number text NOT NULL,
    counter_meters numeric NOT NULL,
    ocr_status text DEFAULT 'pending',
    ocr_confidence_score numeric,
    is_manual_entry boolean NOT NULL DEFAULT false,
    status stock_take_roll_status NOT NULL DEFAULT 'pending_review',
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO count_rolls (session_id, capture_sequence, photo_path, counter_quality,
                         counter_color, counter_lot_number, counter_meters, ocr_status,
                         ocr_confidence_score, is_manual_entry, status) VALUES
    ('0d000000-0000-4000-8000-000000000001', 1, 'sessions/1/1.jpg', 'A-800', 'NAVY',
     'LOT-2401', 100, 'completed', 0.94, false, 'approved'),
    ('0d000000-0000-4000-8000-000000000001', 2, 'sessions/1/2.jpg', 'A-800', 'NAVY',
     'LOT-2401', 100, 'completed', 0.41, false, 'pending_review'),
    ('0d000000-0000-4000-8000-000000000001', 3, 'sessions/1/3.jpg', 'A-800', 'BLACK',
     'LOT-2402', 80, 'failed', NULL, false, 'pending_review'),
    ('0d000000-0000-4000-8000-000000000001', 4, 'sessions/1/4.jpg', 'V-120', 'IVORY',
     'LOT-2403', 80, 'pending', NULL, false, 'pending_review'),
    ('0d000000-0000-4000-8000-000000000001', 5, 'sessions/1/5.jpg', 'V-120', 'GREY',
     'LOT-2404', 90, NULL, NULL, true, 'pending_review');

-- Authentication -------------------------------------------------------------

CREATE TABLE login_attempts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL,
    ip_address text,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    success boolean NOT NULL DEFAULT false
);

-- user@example.com, the address the runbook clears, is locked out.
INSERT INTO login_attempts (email, ip_address, attempted_at)
SELECT 'user@example.com', '203.0.113.7', now() - n * interval '4 minutes'
FROM generate_series(1, 6) AS n;
INSERT INTO login_attempts (email, ip_address, attempted_at, success) VALUES
    ('depo@lotastro.example', '198.51.100.20', now() - interval '25 minutes', true);

-- Audit trail ----------------------------------------------------------------

CREATE TABLE audit_logs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    entity_type audit_entity_type NOT NULL,
    entity_id uuid NOT NULL,
    entity_identifier text,
    action audit_action_type NOT NULL,
    user_id uuid NOT NULL,
    user_email text NOT NULL,
    user_role text NOT NULL,
    old_data jsonb,
    new_data jsonb,
    changed_fields jsonb,
    notes text,
    created_at timestamptz DEFAULT now()
);

INSERT INTO audit_logs (entity_type, entity_id, entity_identifier, action, user_id,
                        user_email, user_role, old_data, new_data, changed_fields,
                        created_at) VALUES
    ('lot', '0a000000-0000-4000-8000-000000002402', 'LOT-2402', 'UPDATE',
     '0b000000-0000-4000-8000-000000000001', 'depo@lotastro.example', 'warehouse_staff',
     '{"meters": 400}', '{"meters": 320}', '["meters"]', now() - interval '3 hours'),
    ('order', '0f000000-0000-4000-8000-000000000001', 'ORD-0001', 'CREATE',
     '0b000000-0000-4000-8000-000000000001', 'depo@lotastro.example', 'warehouse_staff',
     NULL, '{"customer_name": "Kumtel Tekstil"}', NULL, now() - interval '2 hours'),
    ('lot', '0a000000-0000-4000-8000-000000002404', 'LOT-2404', 'UPDATE',
     '0b000000-0000-4000-8000-000000000002', 'admin@lotastro.example', 'admin',
     '{"reserved_meters": 40}', '{"reserved_meters": 0}', '["reserved_meters"]',
     now() - interval '30 minutes'),
    ('lot', '0a000000-0000-4000-8000-000000002401', 'LOT-2401', 'CREATE',
     '0b000000-0000-4000-8000-000000000002', 'admin@lotastro.example', 'admin',
     NULL, '{"meters": 500}', NULL, now() - interval '5 days');

-- Public API -----------------------------------------------------------------

CREATE TABLE api_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL,
    service text NOT NULL,
    key_prefix text NOT NULL,
    key_hash text NOT NULL,
    rate_limit_per_minute integer DEFAULT 60,
    is_active boolean DEFAULT true,
    last_used_at timestamptz,
    created_at timestamptz DEFAULT now()
);

CREATE TABLE api_request_logs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    api_key_id uuid REFERENCES api_keys (id),
    endpoint text NOT NULL,
    method text NOT NULL,
    status_code integer,
    response_time_ms integer,
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO api_keys (id, name, service, key_prefix, key_hash, last_used_at) VALUES
    ('0f000000-0000-4000-8000-0000000000a1', 'CRM sync', 'crm', 'lak_crm_',
     encode(sha256('crm example key'), 'hex'), now()),
    ('0f000000-0000-4000-8000-0000000000a2', 'Reporting export', 'reporting', 'lak_rep_',
     encode(sha256('reporting example key'), 'hex'), now() - interval '1 hour');

-- The CRM key is over its 60 requests a minute: the last ones got 429.
INSERT INTO api_request_logs (api_key_id, endpoint, method, status_code, response_time_ms)
SELECT '0f000000-0000-4000-8000-0000000000a1', '/api/v1/inventory', 'GET',
       CASE WHEN n > 60 THEN 429 ELSE 200 END, 35
FROM generate_series(1, 75) AS n;
INSERT INTO api_request_logs (api_key_id, endpoint, method, status_code, response_time_ms)
VALUES ('0f000000-0000-4000-8000-0000000000a2', '/api/v1/reports/stock', 'GET', 200, 420);
