-- Sample data for `chorus seed`; safe to run any number of times.
INSERT INTO rooms (id, livekit_room_name, title, description, status, max_participants, host_participant_id, expires_at)
VALUES ('DEMO42', 'chorus-DEMO42', 'Demo room', 'Sample room created by the seed command', 'active', 50, 'demo-host',
        NOW() + INTERVAL '24 hours')
ON CONFLICT (id) DO NOTHING;

INSERT INTO room_participants (room_id, participant_id, display_name, role)
SELECT 'DEMO42', 'demo-host', 'Demo Host', 'host'
WHERE NOT EXISTS (SELECT 1 FROM room_participants WHERE room_id = 'DEMO42' AND participant_id = 'demo-host');

INSERT INTO streaming_sessions (id, client_id, stream_key, status)
VALUES ('00000000-0000-4000-8000-000000000001', 'demo-source', 'demo-stream-key', 'waiting')
ON CONFLICT (id) DO NOTHING;
