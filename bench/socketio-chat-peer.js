'use strict';
// Socket.IO 4 chat peer for the chat benchmark (issue 6, benchmark 4): one process of a horizontally
// scaled Socket.IO chat, rooms shared through @socket.io/redis-adapter on the same Redis as Chorus.
// What a minimal real chat server does per message, and no more:
//   * a client connects with ?room_id=&user_id=&display_name=, joins that room and gets "room_info";
//   * it emits "chat" {content} with an acknowledgement callback; the server builds the message
//     {id, room_id, participant_id, display_name, message_type, content, created_at, edited_at},
//     persists it in Redis (MULTI: ZADD chat:room:{<room>}:messages <ms> <json>, EXPIRE 6 h; one
//     round trip), then broadcasts {type: "message_created", room_id, message} to the whole room
//     (io.to(room).emit: local sockets + one Redis PUBLISH for the other processes), then acks
//     {ok: true, message} to the sender. A failed write acks {error} and broadcasts nothing.
// No authentication, no membership check, no rate limit, no per-room sequence number (Chorus does
// all four); the score is the server's Date.now() (equal scores are kept: members are unique).
// Environment: PORT (3101), REDIS_ADDR (host:port, 127.0.0.1:16379).
const http = require('http');
const crypto = require('crypto');
const { Server } = require('socket.io');
const { createAdapter } = require('@socket.io/redis-adapter');
const { createClient } = require('redis');

const port = Number(process.env.PORT || 3101);
const redisAddr = process.env.REDIS_ADDR || '127.0.0.1:16379';
const TTL_SECONDS = 6 * 3600;
const MAX_CONTENT = 2000;

const messagesKey = (roomId) => `chat:room:{${roomId}}:messages`;

async function main() {
  const pub = createClient({ url: `redis://${redisAddr}` });
  const sub = pub.duplicate();
  const store = pub.duplicate();
  for (const [name, c] of [['pub', pub], ['sub', sub], ['store', store]]) {
    c.on('error', (e) => console.error(`redis ${name}: ${e.message}`));
  }
  await Promise.all([pub.connect(), sub.connect(), store.connect()]);

  let accepted = 0, failed = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/ready') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ready', port, sockets: io.of('/').sockets.size, accepted, failed }));
      return;
    }
    res.writeHead(404);
    res.end();
  });
  const io = new Server(server, { adapter: createAdapter(pub, sub), transports: ['websocket'], cors: { origin: '*' } });
  io.on('connection', (socket) => {
    const q = socket.handshake.query;
    const roomId = String(q.room_id || '');
    const userId = String(q.user_id || socket.id);
    const displayName = String(q.display_name || userId);
    if (!roomId) {
      socket.emit('error_frame', { type: 'error', code: 'invalid_argument', message: 'room_id is required' });
      socket.disconnect(true);
      return;
    }
    socket.join(roomId);
    socket.emit('room_info', { type: 'room_info', room_id: roomId, you: userId });
    socket.on('chat', async (msg, ack) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      const content = msg && msg.content;
      if (typeof content !== 'string' || content.trim() === '' || content.length > MAX_CONTENT) {
        failed++;
        reply({ error: 'invalid_argument' });
        return;
      }
      const now = Date.now();
      const m = {
        id: crypto.randomUUID(), room_id: roomId, participant_id: userId, display_name: displayName,
        message_type: 'user', content, created_at: new Date(now).toISOString(), edited_at: null,
      };
      const json = JSON.stringify(m);
      try {
        await store.multi().zAdd(messagesKey(roomId), { score: now, value: json }).expire(messagesKey(roomId), TTL_SECONDS).exec();
      } catch (e) {
        failed++;
        reply({ error: `unavailable: ${e.message}` });
        return;
      }
      accepted++;
      io.to(roomId).emit('message_created', { type: 'message_created', room_id: roomId, message: m });
      reply({ ok: true, message: m });
    });
  });
  server.listen(port, '127.0.0.1', () => console.log(`socketio-chat-peer: listening on 127.0.0.1:${port}, redis ${redisAddr}`));
  const stop = () => {
    io.close();
    Promise.allSettled([pub.quit(), sub.quit(), store.quit()]).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  console.error(`socketio-chat-peer: ${e.stack || e}`);
  process.exit(1);
});
